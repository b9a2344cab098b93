-- wrk script: POST a GuardDuty EventBridge event per request, each with a finding id no other request uses, so
-- every request creates a run (a repeated id would only be a dedupe lookup).
local template_path = os.getenv("FINDING_TEMPLATE")
local file = assert(io.open(template_path, "r"))
local template = file:read("*a")
file:close()

local threads = {}
local counter = 0
local prefix = ""

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = string.format("%08x%08x", thread_number, math.random(0, 0x7fffffff))
end

function request()
  counter = counter + 1
  local id = string.format("%s%016x", prefix, counter)
  local body = template:gsub("__FINDING_ID__", id)
  return wrk.format("POST", "/v1/events", {
    ["Authorization"] = "Bearer bench-token",
    ["Content-Type"] = "application/json",
  }, body)
end
