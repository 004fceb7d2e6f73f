"""One row per ID card: fronts and backs paired by a declared rule, checked, and judged.

* :mod:`.pairing`: which document a scan belongs to (``pair_by``: folder, file-name pattern,
  manifest);
* :mod:`.checks`: merging sides into a document, the named checks and the verdict (pure);
* :mod:`.writer`: the batch step writing ``<table>_document`` and its history in the transaction
  of the batch's image rows.
"""

from airflow_provider_faceid.documents.pairing import DocumentRef, PairingRule, parse_pair_by
from airflow_provider_faceid.documents.writer import DocumentWriter

__all__ = ["DocumentRef", "DocumentWriter", "PairingRule", "parse_pair_by"]
