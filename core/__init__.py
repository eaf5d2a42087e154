"""Infrastructure every app uses, importing no app: the page cache, the cache backend,
rate limits, the image gate, rich text, paging, HTTP helpers and shared template tags."""
