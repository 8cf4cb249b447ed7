"""Knowledge base: data lists and their checks (data), build hooks (hooks, render), build-if-stale (build)."""
