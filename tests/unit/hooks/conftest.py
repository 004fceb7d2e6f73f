"""The scripted FaceID server fixtures, for the hook tests (the module lives in tests/fixtures/)."""

from tests.fixtures.faceid_api import faceid_api, faceid_http_server, keepalive_faceid_api, refused_port

__all__ = ["faceid_api", "faceid_http_server", "keepalive_faceid_api", "refused_port"]
