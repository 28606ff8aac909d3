-- wrk script for benchmarks/bench_bank_http.py: GET /v1/match with the API key from the environment,
-- cycling through near-duplicate and random PDQ queries read from HAVEN_WRK_QUERIES (one hex per line).
local key = os.getenv("HAVEN_BANK_KEY")
local queries = {}
for line in io.lines(os.getenv("HAVEN_WRK_QUERIES")) do queries[#queries + 1] = line end
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/v1/match?signal_type=pdq&signal=" .. queries[i],
                    {["Authorization"] = "Bearer " .. key})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99)))
end
