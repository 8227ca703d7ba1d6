"""Flash messages (admin, portal) whose storage is opened only when a view uses it.

Django's MessageMiddleware builds the cookie and session storages for every
request; API calls never use them. Here the storage is built on first use and
saved only if it was built, which is the same outcome for every request.
"""

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
