-- The wrk script of bench/bench_freeswitch.py: bench/load_wrk.lua (its results, as JSON in
-- $LOAD_OUT), sending instead the form mod_xml_curl posts at a REGISTER, each request for
-- another of the benchmark's SIP users.
--
-- Environment (besides load_wrk.lua's LOAD_OUT):
--   FS_LOAD_LUA       the path of bench/load_wrk.lua
--   FS_BODY           a file holding the form, "@@USER@@" where the username goes
--   FS_USER_FIRST     the first username (a number); FS_USERS how many there are
--   FS_AUTHORIZATION  the Authorization header (Basic, as mod_xml_curl's gateway-credentials)

dofile(os.getenv("FS_LOAD_LUA"))

local handle = assert(io.open(os.getenv("FS_BODY"), "rb"))
local template = handle:read("*a")
handle:close()
local first = tonumber(os.getenv("FS_USER_FIRST"))
local users = tonumber(os.getenv("FS_USERS"))
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Authorization"] = os.getenv("FS_AUTHORIZATION"),
  ["User-Agent"] = "freeswitch-xml/1.0",
}
local number = 0

function request()
  number = number + 1
  -- a stride through the users, from another place per thread: no one hot row
  local user = first + (number * 7919 + (tid or 0) * 104729) % users
  local body = template:gsub("@@USER@@", tostring(user))
  return wrk.format("POST", wrk.path, headers, body)
end
