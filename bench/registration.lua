-- wrk script of bench/registration.py: POST a registration from a pool of bodies with a pool of tokens.
--
--   wrk -t1 -c64 -d10s --latency -s bench/registration.lua URL -- BODIES TOKENS PATH IDS
--
-- BODIES: one JSON body per line; TOKENS: one bearer token per line; PATH: the route to POST to;
-- IDS: a file that receives, one per line, the Location of every 201 (the accepted activities).
-- Each thread walks both pools from its own offset. Every answer other than 201 counts as a failure.
-- done() prints one line "kepuri-bench {json}" with the counts and wrk's latency percentiles (µs).

local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  bodies, tokens, locations = {}, {}, {}
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  for line in io.lines(args[2]) do tokens[#tokens + 1] = "Bearer " .. line end
  path, ids_file = args[3], args[4]
  sent, created, failed = 0, 0, 0
  statuses = {}
end

function request()
  local i = offset + sent
  sent = sent + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = tokens[i % #tokens + 1],
  }
  return wrk.format("POST", path, headers, bodies[i % #bodies + 1])
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    local location = headers["location"] or headers["Location"]
    if location then locations[#locations + 1] = location end
  else
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
    if failed == 1 then first_failure = string.sub(body or "", 1, 300) end
  end
end

local function quote(text)
  return '"' .. string.gsub(text, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local totals = { sent = 0, created = 0, failed = 0 }
  local by_status, statuses_seen, failure = {}, {}, ""
  local out = nil
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
    for status, count in pairs(thread:get("statuses")) do by_status[status] = (by_status[status] or 0) + count end
    failure = failure ~= "" and failure or (thread:get("first_failure") or "")
    out = out or assert(io.open(thread:get("ids_file"), "w"))
    for _, location in ipairs(thread:get("locations")) do out:write(location, "\n") end
  end
  if out then out:close() end
  for status, count in pairs(by_status) do
    statuses_seen[#statuses_seen + 1] = string.format('"%d": %d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'kepuri-bench {"sent": %d, "created": %d, "failed": %d, "statuses": {%s}, "first_failure": %s, ' ..
    '"answered": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    totals.sent, totals.created, totals.failed, table.concat(statuses_seen, ", "), quote(failure),
    summary.requests, summary.duration, errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
