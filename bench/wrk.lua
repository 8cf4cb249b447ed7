-- Request lists for wrk: one request per line of a file, "METHOD\tPATH\tCOOKIE\tBODY".
-- Usage: wrk -t T -c C -d D -s bench/wrk.lua URL -- FILE T CYCLE EXPECTED_STATUS
-- Thread k takes lines k, k+T, k+2T, ...; with CYCLE=0 each line is sent once and any
-- request past the end of the list is counted as "overflow" (the run is then invalid).
-- Responses whose status differs from EXPECTED_STATUS are counted as "unexpected".
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs = {}
local i = 0
local cycle = true
local expected = 200
overflow = 0
unexpected = 0

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  cycle = args[3] == "1"
  expected = tonumber(args[4])
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == tid then
      local method, path, cookie, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Host"] = wrk.host .. ":" .. wrk.port }
      if cookie ~= "" then headers["Cookie"] = cookie end
      if body ~= "" then
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      else
        body = nil
      end
      reqs[#reqs + 1] = wrk.format(method, path, headers, body)
    end
    n = n + 1
  end
end

function request()
  i = i + 1
  if i > #reqs then
    if not cycle then overflow = overflow + 1 end
    return reqs[((i - 1) % #reqs) + 1]
  end
  return reqs[i]
end

function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local over, odd = 0, 0
  for _, t in ipairs(threads) do
    over = over + (t:get("overflow") or 0)
    odd = odd + (t:get("unexpected") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT {\"requests\":%d,\"duration_us\":%d,\"bytes\":%d," ..
    "\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d," ..
    "\"overflow\":%d,\"unexpected\":%d," ..
    "\"p50\":%d,\"p95\":%d,\"p99\":%d,\"mean\":%.1f,\"max\":%d}\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, over, odd,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.mean, latency.max))
end
