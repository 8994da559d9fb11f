"""What ``OPTIONS`` answers on every API route.

A module of its own: DRF imports it while ``rest_framework.views`` is still loading.
"""

from __future__ import annotations

from rest_framework.metadata import SimpleMetadata


class Metadata(SimpleMetadata):
    """``OPTIONS`` answers the view's name, description, media types and allowed methods.

    DRF's default also describes the POST/PUT serializer, by calling ``get_object()`` (which our
    views do not use: they look objects up through selectors, so it fails) and ``get_serializer()``
    (the output serializer here, not the input). The OpenAPI schema documents every input instead.
    """

    def determine_metadata(self, request, view):
        metadata = super().determine_metadata(request, view)
        metadata["allowed_methods"] = view.allowed_methods
        return metadata

    def determine_actions(self, request, view):
        return {}
