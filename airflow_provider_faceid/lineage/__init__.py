"""Lineage of a load: which staging location fed which Postgres tables.

:mod:`.datasets` says it in plain terms (no OpenLineage import); :mod:`.openlineage` turns that
into OpenLineage datasets and facets. The operator imports the latter only inside its
``get_openlineage_facets_on_*`` methods, which only the OpenLineage provider calls: without the
``lineage`` extra nothing of OpenLineage is imported.
"""
