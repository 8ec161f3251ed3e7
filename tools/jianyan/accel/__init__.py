"""The fast path beside the domain: caches, the snapshot, process pools, memory. It wraps the domain; the domain never imports it."""
