"""Sources on the live web: fetching a cited page into the archive (`sources fetch`),
checking the live page against the locked archive (`sources check --live`), and the
marks a reader sees (Robust Links attributes, "link dead" notes).

Only the two commands open sockets; `build`, `check` and `serve` read what they
recorded in sources.lock and never touch the network."""
