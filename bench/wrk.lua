-- wrk script for bench/run.py and bench/soak.py: replays prepared requests, or a mixed load.
--
-- BENCH_REQUESTS names a tab-separated plan:
--   request <tab> METHOD <tab> PATH <tab> COOKIE HEADER <tab> BODY   (bench/run.py: a list
--       of prepared requests; each connection cycles through it from its own offset)
-- or (bench/soak.py, one thread per connection and one signed-in person per connection, so
-- each response is matched to the request it answers):
--   person <tab> COOKIE HEADER <tab> CSRF TOKEN <tab> PRODUCT ID   (one line per person)
--   day <tab> YYYY-MM-DD                                            (days to read and write)
--   read <tab> KIND <tab> WEIGHT <tab> PATH   ({day} in PATH becomes one of the days)
--   write <tab> write <tab> WEIGHT <tab> PATH (POST: log one serving of the person's product)
--   landing <tab> PATH <tab> exact|prefix     (where a logged entry may redirect to)
--   note <tab> TEXT                           (the note of every entry written)
--   seed <tab> N                              (random seed: the same mix on every run)
-- done() prints one line "BENCH_JSON {...}": requests, duration, latency percentiles
-- (microseconds), wrk's socket errors and the count of every "kind status" pair seen (kind
-- "request" for prepared requests).

local threads = {}
local requests = {}
local counter = 0
local people = {}
local days = {}
local kinds = {}
local landings = {}
local total_weight = 0
local note = "soak"
local seed = 1
local person = nil
local pending = nil
-- Globals: done() reads each thread's copy with thread:get().
counts = {}
misdirected = 0

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  return fields
end

local function load_plan()
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local f = split(line)
    if f[1] == "request" then
      local headers = { ["Cookie"] = f[4] }
      local body = f[5] ~= "" and f[5] or nil
      if body then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      requests[#requests + 1] = wrk.format(f[2], f[3], headers, body)
    elseif f[1] == "person" then
      people[#people + 1] = { cookie = f[2], csrf = f[3], product = f[4] }
    elseif f[1] == "day" then
      days[#days + 1] = f[2]
    elseif f[1] == "read" or f[1] == "write" then
      total_weight = total_weight + tonumber(f[3])
      kinds[#kinds + 1] = { kind = f[2], write = f[1] == "write", upto = total_weight, path = f[4] }
    elseif f[1] == "landing" then
      landings[#landings + 1] = { path = f[2], exact = f[3] == "exact" }
    elseif f[1] == "note" then
      note = f[2]
    elseif f[1] == "seed" then
      seed = tonumber(f[2])
    end
  end
end

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  load_plan()
  counter = thread_id * 7
  if #people > 0 then
    person = people[(thread_id % #people) + 1]
  end
  math.randomseed(seed * 1000 + thread_id)
end

local function is_landing(location)
  for _, landing in ipairs(landings) do
    local prefix = location:sub(1, #landing.path) == landing.path
    if location == landing.path or (prefix and not landing.exact) then
      return true
    end
  end
  return false
end

local function pick_kind()
  local r = math.random(total_weight)
  for _, k in ipairs(kinds) do
    if r <= k.upto then
      return k
    end
  end
  return kinds[#kinds]
end

function request()
  if #requests > 0 then
    counter = counter + 1
    return requests[(counter % #requests) + 1]
  end
  local k = pick_kind()
  local day = days[math.random(#days)]
  local path = k.path:gsub("{day}", day)
  pending = k
  if not k.write then
    return wrk.format("GET", path, { ["Cookie"] = person.cookie })
  end
  local servings = ({ "1", "2", "0.5" })[math.random(3)]
  local body = string.format(
    "csrfmiddlewaretoken=%s&product=%s&servings=%s&day=%s&time=%02d%%3A%02d&note=%s",
    person.csrf, person.product, servings, day, math.random(6, 22), math.random(0, 59), note)
  return wrk.format("POST", path, {
    ["Cookie"] = person.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  local kind = pending and pending.kind or (#requests > 0 and "request" or "unknown")
  local key = kind .. " " .. tostring(status)
  counts[key] = (counts[key] or 0) + 1
  -- A logged entry redirects to its day (today: the dashboard); a redirect elsewhere (the
  -- log-in page) is no write.
  if pending and pending.write and status == 302 then
    if not is_landing(headers["Location"] or headers["location"] or "") then
      misdirected = misdirected + 1
    end
  end
  pending = nil
end

function done(summary, latency, requests_)
  local merged = {}
  local wrong = 0
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do
      merged[key] = (merged[key] or 0) + n
    end
    wrong = wrong + thread:get("misdirected")
  end
  local parts = {}
  for key, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%s": %d', key, n)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "counts": {%s}, "misdirected": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ", "), wrong,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
