#!/usr/bin/env bash
# The source lint of STYLE.md: banned functions, SQLite only in src/store, no machine paths.
exec "$RK_SOURCE_DIR/scripts/checksrc" "$RK_SOURCE_DIR"
