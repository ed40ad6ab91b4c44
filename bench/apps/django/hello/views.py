import os
import sys
from importlib.metadata import version

from django.http import JsonResponse


def index(request):
    return JsonResponse(
        {
            "greeting": "hello from django",
            "python": sys.version,
            "port": os.environ.get("PORT"),
            "deps": {name: version(name) for name in ("django", "gunicorn", "whitenoise")},
        }
    )
