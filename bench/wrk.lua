-- wrk script for bench/run.py: replays a list of prepared requests and reports JSON.
--
-- BENCH_REQUESTS names a file with one request per line, tab-separated:
--   METHOD <tab> PATH <tab> COOKIE HEADER <tab> BODY (form-encoded, may be empty)
-- Each connection cycles through the list from its own offset, so the load is spread over
-- several signed-in people. done() prints one line "BENCH_JSON {...}" with the throughput,
-- the latency percentiles (microseconds) and the count of every HTTP status seen.

local requests = {}
local counter = 0
local threads = {}
-- A global: done() reads each thread's copy with thread:get().
statuses = {}

local function load_requests()
  local list = {}
  local path = os.getenv("BENCH_REQUESTS")
  for line in io.lines(path) do
    local method, target, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    if method then
      local headers = { ["Cookie"] = cookie }
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      list[#list + 1] = wrk.format(method, target, headers, body)
    end
  end
  return list
end

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = load_requests()
  counter = (thread_id or 0) * 7
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    for code, n in pairs(counts) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%s": %d', code, n)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "statuses": {%s}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ", "),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
