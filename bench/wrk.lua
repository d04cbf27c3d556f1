-- wrk script for bench/run.py and bench/soak.py. BENCH_REQUESTS names a tab-separated plan:
--   request METHOD PATH COOKIE BODY   prepared requests (run.py); each connection cycles
--                                     through them from its own offset
--   person COOKIE CSRF PRODUCT_ID     one per connection (soak.py, one thread per connection)
--   day YYYY-MM-DD                    days to read and write
--   read KIND WEIGHT PATH             a GET ({day} in PATH becomes one of the days)
--   write write WEIGHT PATH           a POST logging one serving of the person's product
--   landing PATH exact|prefix         where a logged entry may redirect to
--   note TEXT / seed N                the note of every entry written / the random seed
-- done() prints one line "BENCH_JSON {...}": requests, duration, latency percentiles (us),
-- wrk's socket errors and the count of each "kind status" seen ("request" for prepared ones).

local threads, requests, people, days, kinds, landings = {}, {}, {}, {}, {}, {}
local counter, total_weight, note, seed, person, pending = 0, 0, "soak", 1, nil, nil
-- Globals: done() reads each thread's copy with thread:get().
counts, misdirected = {}, 0

local function load_plan()
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local f = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do f[#f + 1] = field end
    if f[1] == "request" then
      local headers = { ["Cookie"] = f[4] }
      if f[5] ~= "" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
      requests[#requests + 1] = wrk.format(f[2], f[3], headers, f[5] ~= "" and f[5] or nil)
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
  if #people > 0 then person = people[(thread_id % #people) + 1] end
  math.randomseed(seed * 1000 + thread_id)
end

function request()
  if #requests > 0 then
    counter = counter + 1
    return requests[(counter % #requests) + 1]
  end
  local r, k = math.random(total_weight), kinds[#kinds]
  for _, kind in ipairs(kinds) do
    if r <= kind.upto then k = kind break end
  end
  local day = days[math.random(#days)]
  local path = k.path:gsub("{day}", day)
  pending = k
  if not k.write then return wrk.format("GET", path, { ["Cookie"] = person.cookie }) end
  local servings = ({ "1", "2", "0.5" })[math.random(3)]
  local body = string.format(
    -- confirm_large: two servings of a strong product pass 1,000 mg, which a person confirms.
    "csrfmiddlewaretoken=%s&product=%s&servings=%s&confirm_large=on&day=%s&time=%02d%%3A%02d&note=%s",
    person.csrf, person.product, servings, day, math.random(6, 22), math.random(0, 59), note)
  return wrk.format("POST", path, {
    ["Cookie"] = person.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  local key = (pending and pending.kind or (#requests > 0 and "request" or "unknown")) .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  -- A logged entry redirects to its day (today: the dashboard); elsewhere (log-in) is no write.
  if pending and pending.write and status == 302 then
    local location, landed = headers["Location"] or headers["location"] or "", false
    for _, l in ipairs(landings) do
      landed = landed or location == l.path or (not l.exact and location:sub(1, #l.path) == l.path)
    end
    if not landed then misdirected = misdirected + 1 end
  end
  pending = nil
end

function done(summary, latency, requests_)
  local merged, wrong, parts, e = {}, 0, {}, summary.errors
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do merged[key] = (merged[key] or 0) + n end
    wrong = wrong + thread:get("misdirected")
  end
  for key, n in pairs(merged) do parts[#parts + 1] = string.format('"%s": %d', key, n) end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "counts": {%s}, "misdirected": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, table.concat(parts, ", "), wrong,
    e.connect, e.read, e.write, e.status, e.timeout))
end
