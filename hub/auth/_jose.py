"""The one place that imports ``authlib.jose``.

authlib marks ``authlib.jose`` deprecated in favour of its successor ``joserfc`` (still supported until authlib 2.0);
the warning is silenced here so that it neither fails the strict test suite nor clutters ``hub serve``'s output.
"""

import warnings

with warnings.catch_warnings():
    # authlib installs an "always" filter for its own warning on import; ours must come after it to win
    import authlib.deprecate

    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.jose import JsonWebKey, JsonWebToken, KeySet
    from authlib.jose.errors import JoseError

__all__ = ["JoseError", "JsonWebKey", "JsonWebToken", "KeySet"]
