-- wrk script for `manage.py bench_load`: residents asking the sample town's questions.
--
-- Environment:
--   LOAD_BODIES    file with one JSON request body per line (required)
--   LOAD_KEYS      prefix of the Idempotency-Key of every request (one key per request)
--   LOAD_RATE      requests per second, arriving at random like independent residents (a Poisson
--                  process) whichever connection is free; 0 asks back to back on every connection
--   LOAD_TURNS     file that receives the turn_id of every answered request, one per line
--   LOAD_SUMMARY   file that receives the run's summary as JSON

local bodies = {}
for line in io.lines(os.getenv("LOAD_BODIES")) do
  if #line > 0 then
    bodies[#bodies + 1] = line
  end
end
local prefix = os.getenv("LOAD_KEYS") or "load"
local rate = tonumber(os.getenv("LOAD_RATE") or "0")
local turns = nil
local sent = 0
local threads_made = 0
thread_id = 1 -- set per thread by setup()

function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_id", threads_made)
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
  local path = os.getenv("LOAD_TURNS")
  if path then
    turns = io.open(path .. "." .. tostring(thread_id), "w")
    turns:setvbuf("line")
  end
end

function request()
  sent = sent + 1
  local key = string.format("%s-%d-%d", prefix, thread_id, sent)
  local body = bodies[math.random(#bodies)]
  return wrk.format("POST", "/api/v1/chat", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
    ["X-Chat-Client"] = "widget",
  }, body)
end

-- One schedule of arrivals for all connections: each free connection takes the next arrival time and
-- waits for it, so the rate holds however long answers take (while a connection is free).
if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef([[
    typedef struct { long tv_sec; long tv_nsec; } load_timespec;
    int clock_gettime(int clock_id, load_timespec *tp);
  ]])
  local clock = ffi.new("load_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
    return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
  end
  local next_at = nil

  function delay()
    local now = now_ms()
    if next_at == nil or next_at < now - 1000 then
      next_at = now
    end
    next_at = next_at - math.log(1 - math.random()) * 1000 / rate
    return math.max(0, math.floor(next_at - now))
  end
end

function response(status, headers, body)
  if turns and status == 200 then
    local turn = string.match(body, '"turn_id"%s*:%s*"([0-9a-fA-F-]+)"')
    if turn then
      turns:write(turn, "\n")
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local out = io.open(os.getenv("LOAD_SUMMARY"), "w")
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "status_errors": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
  out:close()
end
