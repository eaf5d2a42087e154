-- wrk script for `make bench`: print the 95th percentile latency, which `--latency`
-- leaves out (it prints 50/75/90/99). Microseconds, read by tests/bench/bench.py.
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\n", latency:percentile(95)))
end
