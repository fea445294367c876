-- Makes wrk speak to an explicit proxy: every request line carries the absolute URL (LAUNCH mode, plain HTTP).
-- The target comes from the environment: BENCH_ABS_URL=http://127.0.0.1:28080/1k
local url = os.getenv("BENCH_ABS_URL")
local authority = url:match("^http://([^/]+)")
wrk.path = url
wrk.headers["Host"] = authority
