-- Replay pre-generated WeChat callbacks with wrk, each request once (bench/webhook.py).
--
--   wrk -t2 -c32 -d10s -s bench/replay.lua http://127.0.0.1:8000 -- requests.tsv 2
--
-- The file has one request a line: "<path?query>\t<body>"; the last argument is the
-- number of wrk threads (-t). Thread k of n takes lines
-- k, k+n, k+2n, ... so no two threads send the same callback. A thread that runs out
-- starts again from its first line and counts the repeats in `reused` (the benchmark
-- reports them: the file was too short for the run). done() prints one line of JSON
-- prefixed with "WRKJSON " for the benchmark to read.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local nthreads = tonumber(args[2])
  requests, sent, reused, non2xx, position = {}, 0, 0, 0, 0
  local headers = { ["Content-Type"] = "text/xml" }
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == id then
      local tab = string.find(line, "\t", 1, true)
      local target = string.sub(line, 1, tab - 1)
      local body = string.sub(line, tab + 1)
      requests[#requests + 1] = wrk.format("POST", target, headers, body)
    end
    index = index + 1
  end
  if #requests == 0 then
    error("no requests for thread " .. id .. " in " .. path)
  end
end

function request()
  position = position + 1
  if position > #requests then
    position = 1
  end
  sent = sent + 1
  if sent > #requests then
    reused = reused + 1
  end
  return requests[position]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests_stats)
  local total_sent, total_reused, total_non2xx = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_reused = total_reused + thread:get("reused")
    total_non2xx = total_non2xx + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "sent": %d, "reused": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, total_sent, total_reused, total_non2xx,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
