-- The wrk script of bench/bench_load.py. Writes its results as JSON to the file $LOAD_OUT:
-- requests, duration, latency percentiles (µs), socket errors, the answers' statuses and a
-- timeline of answers per 100 ms (wall clock, to compare with the benchmark's own clock).
--
-- Environment:
--   LOAD_OUT           where to write the results (required)
--   LOAD_TOKEN         sent as "Authorization: Bearer …" (optional)
--   LOAD_BODIES        POST mode: a directory of JSON bodies 1.json … N.json, N = LOAD_BODY_COUNT;
--                      every "@@CALL@@" in a body is replaced by an id unique to the request
--                      (LOAD_RUN, the thread and the request's number)
--   LOAD_POST_SECONDS  POST mode: stop sending after this long, then wait for every answer
--                      (nothing in flight is cut off, so the answers add up to what was stored);
--                      each thread then writes $LOAD_OUT.drained.<thread>, and the benchmark
--                      ends wrk with SIGINT when all have

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } load_timespec;
int clock_gettime(int clk_id, load_timespec *tp);
]]
local clock = ffi.new("load_timespec")
local function now()
  ffi.C.clock_gettime(0, clock) -- CLOCK_REALTIME, as Python's time.time()
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local token = os.getenv("LOAD_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local bodies_dir = os.getenv("LOAD_BODIES")
local posting = bodies_dir ~= nil and bodies_dir ~= ""

-- Per thread (each wrk thread has its own Lua state).
statuses = {}
timeline = {}
sent = 0
answered = 0
accepted = 0
duplicates = 0
rejected = 0
first_sent = 0
last_answer = 0

function response(status, headers, body)
  local t = now()
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  local slot = math.floor(t * 10)
  timeline[slot] = (timeline[slot] or 0) + 1
  last_answer = t
  if posting and body then
    local count = body:match('"accepted"%s*:%s*(%d+)')
    if count then
      accepted = accepted + tonumber(count)
    end
    count = body:match('"duplicates"%s*:%s*(%d+)')
    if count then
      duplicates = duplicates + tonumber(count)
    end
    local _, rows = body:gsub('"row"%s*:', "")
    rejected = rejected + rows
  end
end

if posting then
  local templates = {}
  local path = wrk.path
  local stop_at = 0
  local done_sending = false
  local number = 0
  local delays = 0
  local stopped = false
  local run = os.getenv("LOAD_RUN") or "0"

  function init(args)
    local count = tonumber(os.getenv("LOAD_BODY_COUNT"))
    for i = 1, count do
      local handle = assert(io.open(bodies_dir .. "/" .. i .. ".json", "rb"))
      templates[i] = handle:read("*a")
      handle:close()
    end
    stop_at = now() + tonumber(os.getenv("LOAD_POST_SECONDS"))
    wrk.headers["Content-Type"] = "application/json"
  end

  function request()
    if delays == 0 then
      -- wrk calls request() once before the run to check it (thread 1): not sent
      return wrk.format("POST", path, nil, "[]")
    end
    number = number + 1
    sent = sent + 1
    if first_sent == 0 then
      first_sent = now()
    end
    local body = templates[(number - 1) % #templates + 1]
    body = body:gsub("@@CALL@@", string.format("%s-t%02d-%08d", run, tid, number))
    return wrk.format("POST", path, nil, body)
  end

  function delay() -- called before each request (with 0: send it now)
    delays = delays + 1
    if done_sending or now() >= stop_at then
      done_sending = true
      if answered >= sent and not stopped then
        stopped = true
        -- wrk itself runs until -d: this file tells bench_load.py to end it (SIGINT)
        io.open(os.getenv("LOAD_OUT") .. ".drained." .. tid, "w"):close()
        wrk.thread:stop()
      end
      return 3600000 -- this connection sends nothing more
    end
    return 0
  end
end

-- Main state.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function json_table(t)
  local parts = {}
  for k, v in pairs(t) do
    table.insert(parts, string.format('"%s": %d', tostring(k), v))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local all_statuses, all_timeline = {}, {}
  local totals = { sent = 0, answered = 0, accepted = 0, duplicates = 0, rejected = 0 }
  local first, last = 0, 0
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("statuses")) do
      all_statuses[k] = (all_statuses[k] or 0) + v
    end
    for k, v in pairs(thread:get("timeline")) do
      all_timeline[k] = (all_timeline[k] or 0) + v
    end
    for k, _ in pairs(totals) do
      totals[k] = totals[k] + thread:get(k)
    end
    local f, l = thread:get("first_sent"), thread:get("last_answer")
    if f > 0 and (first == 0 or f < first) then
      first = f
    end
    if l > last then
      last = l
    end
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("LOAD_OUT"), "w"))
  out:write("{\n")
  out:write(string.format('"requests": %d, "duration_us": %d, "bytes": %d,\n',
    summary.requests, summary.duration, summary.bytes))
  out:write(string.format(
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d},\n',
    e.connect, e.read, e.write, e.status, e.timeout))
  out:write(string.format(
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, ' ..
    '"p99": %d, "p999": %d},\n',
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency:percentile(99.9)))
  for k, v in pairs(totals) do
    out:write(string.format('"%s": %d, ', k, v))
  end
  out:write(string.format('"first_sent": %.6f, "last_answer": %.6f,\n', first, last))
  out:write('"statuses": ' .. json_table(all_statuses) .. ",\n")
  out:write('"timeline": ' .. json_table(all_timeline) .. "\n}\n")
  out:close()
end
