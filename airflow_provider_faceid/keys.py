"""Secrets the provider keeps in Airflow: the HMAC key of ID numbers and the field encryption keys.

Both are configured the same way, a connection (its password) or a Variable, and read only inside
``execute``: parsing a DAG file never touches the secrets backend.
"""

from __future__ import annotations


def read_secret(*, conn_id: str | None, variable: str | None, what: str) -> str:
    """The password of connection ``conn_id``, else the value of Variable ``variable``, masked in logs.

    :param conn_id: connection whose password holds the secret.
    :param variable: Airflow Variable holding the secret.
    :param what: what the secret is, for the error message.
    """
    from airflow.sdk import BaseHook, Variable
    from airflow.sdk.log import mask_secret

    if conn_id:
        secret = BaseHook.get_connection(conn_id).password or ""
    elif variable:
        secret = Variable.get(variable)
    else:
        raise ValueError(f"the {what} needs a connection id or a Variable name")
    if not secret:
        raise ValueError(f"the {what} is empty (connection {conn_id!r}, Variable {variable!r})")
    mask_secret(secret)
    return secret
