"""`make bench`: every benchmark table, one after the other (not part of `make test`)."""

import importlib
import sys

BENCHMARKS = ["tests.bench.api", "tests.bench.media"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            print(f"(skipping {name}: not present)")
            continue
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
