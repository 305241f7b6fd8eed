-- wrk script: send "Authorization: Bearer $HOTLINE_TOKEN" with every request.
local token = os.getenv("HOTLINE_TOKEN")
if token == nil or token == "" then
  error("set HOTLINE_TOKEN to a session token")
end
wrk.headers["Authorization"] = "Bearer " .. token
