-- wrk script for bench/ingest_bench.py: POST a unique notice per request (a new PCN number
-- every time, so ingestion's content-digest idempotency never answers a replay).
--
-- Environment:
--   WRK_API_KEY   the X-API-Key header
--   WRK_RUN       a prefix that makes the notices of this run unique among runs
--   WRK_PACE_MS   > 0: each connection waits about this long (uniformly 0.5x-1.5x, so the
--                 connections do not move in lockstep) after an answer before its next
--                 request: a fixed request rate of connections * 1000 / (pace + latency)
--
-- done() prints one line "WRK_JSON {...}" that the benchmark reads.

local run = os.getenv("WRK_RUN") or "run"
local pace = tonumber(os.getenv("WRK_PACE_MS") or "0")
local threads = {}
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("WRK_API_KEY") or ""

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  prefix = run .. "-" .. tostring(id)
  math.randomseed(id * 7919 + #run)
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"source":"siliconexpert","raw_data":{"PCNNumber":"PCN-BENCH-%s-%d",'
      .. '"TypeOfChange":"EOL","AffectedProductName":"LM358DR",'
      .. '"Manufacturer":"Texas Instruments","LastTimeBuyDate":"2025-03-20"}}',
    prefix, counter)
  return wrk.format(nil, nil, nil, body)
end

if pace > 0 then
  function delay()
    return math.floor(pace * (0.5 + math.random()))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,'
      .. '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
