-- Adds `level_name` (trace, debug, info, warn, error, fatal) from pino's numeric `level`.
local names = { [10] = "trace", [20] = "debug", [30] = "info", [40] = "warn", [50] = "error", [60] = "fatal" }

function add_level_name(tag, timestamp, record)
  local name = names[tonumber(record["level"]) or 0]
  if name == nil then
    return 0, timestamp, record
  end
  record["level_name"] = name
  return 2, timestamp, record
end
