"""Dependencies: the catalog, mirrors, the CA bundle, one verified fetch, safe archives."""
