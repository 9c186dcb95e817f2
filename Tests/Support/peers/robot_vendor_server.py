#!/usr/bin/env python3
"""Loopback stand-ins for the WeCom, DingTalk and Feishu robot APIs, answering as their docs say (HTTP 200 with
a code in the body). Binds 127.0.0.1; prints `READY port=PORT`; serves until standard input closes.

WeCom   POST /cgi-bin/webhook/send?key=K   key good -> errcode 0; busy -> 45009 on the first request, then 0;
        bad -> 93000; markdown content over 4096 UTF-8 bytes -> 40058.
DingTalk POST /robot/send?access_token=T&timestamp=&sign=   the signature is checked with secret
        "SECvigiltest" (timestamp in ms within an hour): mismatch -> 310000 "sign not match"; token fast ->
        130101 on the first request; token gone -> 300005; else 0.
Feishu  POST /open-apis/bot/v2/hook/<token>   body timestamp+sign checked with secret "feishu-secret":
        mismatch -> 19021; token limited -> 11232 on the first request; token garbage -> a non-JSON body; else 0.
Slack   POST /services/T/B/<x>   ok -> 200 "ok"; gone -> 404 "no_service"; limited -> 429 "rate_limited"
        with Retry-After: 3 on the first request, then ok.
Discord POST /api/webhooks/<id>/<token>   ok -> 200 message JSON; limited -> 429 {"retry_after": 0.5} on the
        first request, then ok; unknown -> 404 {"message": "Unknown Webhook", "code": 10015}.
Telegram POST /bot<token>/sendMessage   ok:true; chat_id "missing" -> 400 chat not found; token "limited" ->
        429 with parameters.retry_after 5 on the first request.
Tencent SMS POST /sms   TC3 signature checked with SecretKey "sms-test-key" (content-type;host) ->
        AuthFailure.SignatureFailure on mismatch; +8613900000000 -> LimitExceeded.PhoneNumberThirtySecondLimit on
        its first request; +8600000000001 -> InvalidParameterValue.IncorrectPhoneNumber; others Ok.
WeChat  POST /cgi-bin/stable_token -> {"access_token": "tok-N"} (N counts fetches); appid badapp -> 40013.
        POST /cgi-bin/message/template/send?access_token=T: T tok-1 -> 42001 once (expired); openid unfollowed
        -> 43004; a repeated (openid, client_msg_id) is accepted but not shown again (WeChat's 10-minute dedup).
ServerChan POST /<key>.send: key SCTgood -> code 0; other keys -> code 40001 "bad pushkey".
Teams   POST /workflows/<x>: ok -> 202; badsig -> 401.
CKafka  POST /ckafka   API 3.0 DescribeGroupOffsets (version 2019-08-19), TC3 checked with SecretKey
        "ckafka-test-key" and service ckafka -> AuthFailure.SignatureFailure on mismatch; instance
        ckafka-throttled -> RequestLimitExceeded; group billing -> topic orders, partitions 0-2 at committed
        40/90/-1 of 100; group wide -> 55 one-partition topics t00..t54, paged by Offset/Limit (max 50).
PagerDuty POST /v2/enqueue   routing_key good -> 202 success; bad key, bad event_action, a trigger without
                             payload summary/source/severity, an ack/resolve without dedup_key -> 400 invalid event.
GET /requests lists what arrived (path, body, verdict).

A name starting "limited" (Slack, Discord, Telegram) or "fast" (DingTalk) is limited on its own first request,
so each test can have its own. As strict as the vendors (shared/reference/channels.md §5): only the keys and tokens named above exist (others
get the vendor's unknown-key answer); WeCom and DingTalk allow 20 messages per key per minute (45009, 130101);
Feishu refuses bodies over 20 KB or not JSON (9499); Slack refuses bad JSON (400 invalid_payload) and a body
without text (400 no_text); Discord refuses content over 2000 characters, more than 10 embeds or 6000
characters of embeds (400, 50035); Telegram refuses an unknown token (401), text over 4096 characters after
entity parsing (400) and HTML it cannot parse (400 can't parse entities); Tencent SMS checks the whole TC3
Authorization (algorithm, Credential's SecretId, date and scope, SignedHeaders recomputed from the received
headers, the signature), X-TC-Version 2021-01-11, a clock skew of at most 300 s and at most 200 numbers;
WeChat takes only the latest access token (40001 for an older one).
"""
import collections
import html.parser
import base64
import hashlib
import hmac
import http.server
import json

import peer_common
import os
import sys
import threading
import time
import urllib.parse

DINGTALK_SECRET = "SECvigiltest"
FEISHU_SECRET = "feishu-secret"
WECOM_KEYS = {"good", "busy", "burst"}
DINGTALK_TOKENS = {"ok", "fast", "burst", "keyword"}
FEISHU_TOKENS = {"t1", "limited", "garbage"}
TELEGRAM_TOKENS = {"123:abc", "limited"}
SMS_SECRET_ID = "AKIDtest"
received = []
seen = {}
windows = collections.defaultdict(collections.deque)
lock = threading.Lock()


def over_limit(key, limit, seconds):
    """Whether one more request for `key` goes over `limit` per `seconds` (a sliding window)."""
    now = time.time()
    with lock:
        window = windows[key]
        while window and window[0] <= now - seconds:
            window.popleft()
        if len(window) >= limit:
            return True
        window.append(now)
        return False


class TelegramHTML(html.parser.HTMLParser):
    """Telegram's HTML parse mode: only its tags, properly nested; text length counted after parsing."""
    allowed = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
               "span", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.error, self.length = [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed:
            self.error = self.error or "Unsupported start tag \"%s\"" % tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or "Unmatched end tag \"%s\"" % tag
        else:
            self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            self.error = self.error or "Unexpected character"
        self.length += len(data)

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            self.error = self.error or "Unsupported entity \"&%s;\"" % name
        self.length += 1

    def handle_charref(self, name):
        self.length += 1

    @classmethod
    def check(cls, text):
        parser = cls()
        # A bare '&' (not an entity) is refused by Telegram; html.parser would pass it as data.
        import re
        if re.search(r"&(?!(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);)", text):
            return "Can't find end of the entity starting at byte offset %d" % text.index("&"), 0
        parser.feed(text)
        parser.close()
        if parser.error is None and parser.stack:
            parser.error = "Can't find end tag corresponding to start tag \"%s\"" % parser.stack[-1]
        return parser.error, parser.length


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, payload, raw=None, status=200, headers=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json" if raw is None else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            self.reply(received)

    def first_time(self, key):
        with lock:
            seen[key] = seen.get(key, 0) + 1
            return seen[key] == 1

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.raw_body = raw
        url = urllib.parse.urlparse(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        answer = self.route(url.path, query, body)
        with lock:
            received.append({"path": url.path, "query": query, "body": body, "answer": answer})
        if answer == "garbage":
            self.reply(None, raw=b"<html>502 Bad Gateway</html>")
        elif isinstance(answer, tuple):
            status, payload, headers = answer
            if isinstance(payload, str):
                self.reply(None, raw=payload.encode(), status=status, headers=headers)
            else:
                self.reply(payload, status=status, headers=headers)
        else:
            self.reply(answer)

    def tencent_sms(self, body):
        def failure(code, message):
            return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-1"}}
        problem = tc3_problem(self.headers, self.raw_body, SMS_SECRET_ID, "sms-test-key", "sms", "SendSms",
                              "2021-01-11")
        if problem:
            return failure(*problem)
        if len(body.get("PhoneNumberSet", [])) > 200:
            return failure("LimitExceeded.PhoneNumberCountLimit", "the number of phone numbers exceeds 200")
        statuses = []
        for number in body.get("PhoneNumberSet", []):
            if number == "+8613900000000" and self.first_time("sms-limit"):
                code, message = "LimitExceeded.PhoneNumberThirtySecondLimit", "the number of SMS messages sent from a single mobile number within 30 seconds exceeds the upper limit"
            elif number == "+8600000000001":
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "invalid mobile number"
            else:
                code, message = "Ok", "send success"
            statuses.append({"SerialNo": "5000:1", "PhoneNumber": number, "Fee": 1, "SessionContext": body.get("SessionContext", ""), "Code": code, "Message": message, "IsoCode": "CN"})
        return {"Response": {"SendStatusSet": statuses, "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}

    def ckafka(self, body):
        auth = self.headers.get("Authorization", "")
        timestamp = self.headers.get("X-TC-Timestamp", "0")
        expected = tc3_signature("ckafka-test-key", self.raw_body, timestamp, self.headers.get("Host", ""), "ckafka")
        request_id = "6f2b1d3e-7c1a-4f1e-9d52-%012d" % len(received)
        if not auth.endswith("Signature=" + expected):
            return {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated. Please check your signature is correct."}, "RequestId": request_id}}
        if self.headers.get("X-TC-Action") != "DescribeGroupOffsets" or self.headers.get("X-TC-Version") != "2019-08-19":
            return {"Response": {"Error": {"Code": "InvalidAction", "Message": "The requested action does not exist."}, "RequestId": request_id}}
        if body.get("InstanceId") == "ckafka-throttled":
            return {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "Your current request times equals to `101` in a second, which exceeds the frequency limit `100` for a second. Please reduce the frequency of calls."}, "RequestId": request_id}}
        def partition(index, committed, end):
            return {"Partition": index, "Offset": committed, "Metadata": "", "ErrorCode": 0, "LogEndOffset": end, "Lag": (end - committed) if committed >= 0 else end}
        if body.get("Group") == "billing":
            topics = [{"Topic": "orders", "Partitions": [partition(0, 40, 100), partition(1, 90, 100), partition(2, -1, 100)]}]
        elif body.get("Group") == "wide":
            topics = [{"Topic": "t%02d" % n, "Partitions": [partition(0, n, 100)]} for n in range(55)]
        else:
            return {"Response": {"Error": {"Code": "ResourceNotFound", "Message": "group not found"}, "RequestId": request_id}}
        start, limit = int(body.get("Offset", 0)), min(int(body.get("Limit", 50)), 50)
        return {"Response": {"Result": {"TotalCount": len(topics), "TopicList": topics[start:start + limit]}, "RequestId": request_id}}

    def route(self, path, query, body):
        if path == "/cgi-bin/webhook/send":
            key = query.get("key")
            kind = (body or {}).get("msgtype")
            content = ((body or {}).get(kind) or {}).get("content", "")
            if kind == "text" and len(content.encode()) > 2048:
                return {"errcode": 40058, "errmsg": "text.content exceed max length 2048. invalid Request Parameter"}
            if len(content.encode()) > 4096:
                return {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096. invalid Request Parameter"}
            if key not in WECOM_KEYS:
                return {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1690000000_1_abc]"}
            if key == "busy" and self.first_time("wecom-busy"):
                return {"errcode": 45009, "errmsg": "api freq out of limit"}
            if over_limit("wecom:" + key, 20, 60):
                return {"errcode": 45009, "errmsg": "api freq out of limit"}
            return {"errcode": 0, "errmsg": "ok"}
        if path == "/robot/send":
            token = query.get("access_token")
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(),
                                                 hashlib.sha256).digest()).decode()
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
                return {"errcode": 310000, "errmsg": "invalid timestamp"}
            if not hmac.compare_digest(sign, expected):
                return {"errcode": 310000, "errmsg": "sign not match"}
            if token not in DINGTALK_TOKENS and not token.startswith("fast-"):
                return {"errcode": 300005, "errmsg": "token is not exist"}
            if token.startswith("fast") and self.first_time("dingtalk:" + token):
                return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            if over_limit("dingtalk:" + token, 20, 60):
                return {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            return {"errcode": 0, "errmsg": "ok"}
        if path.startswith("/open-apis/bot/v2/hook/"):
            token = path.rsplit("/", 1)[1]
            if token == "garbage":
                return "garbage"
            if token not in FEISHU_TOKENS:
                return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
            if len(self.raw_body) > 20 * 1024 or body is None:
                return {"code": 9499, "msg": "Bad Request", "data": {}}
            timestamp, sign = str((body or {}).get("timestamp", "")), (body or {}).get("sign", "")
            expected = base64.b64encode(hmac.new(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600 or not hmac.compare_digest(sign, expected):
                return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
            if token == "limited" and self.first_time("feishu-limited"):
                return {"code": 11232, "msg": "frequency limited"}
            return {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}
        if path.startswith("/services/"):
            name = path.rsplit("/", 1)[1]
            if name == "gone":
                return (404, "no_service", None)
            if body is None or not isinstance(body, dict):
                return (400, "invalid_payload", None)
            if not body.get("text") and not body.get("blocks"):
                return (400, "no_text", None)
            if name.startswith("limited") and self.first_time("slack:" + name):
                return (429, "rate_limited", {"Retry-After": "3"})
            return (200, "ok", None)
        if path.startswith("/api/webhooks/"):
            token = path.rsplit("/", 1)[1]
            if token == "unknown":
                return (404, {"message": "Unknown Webhook", "code": 10015}, None)
            invalid = (400, {"code": 50035, "errors": {}, "message": "Invalid Form Body"}, None)
            if not isinstance(body, dict):
                return invalid
            embeds = body.get("embeds") or []
            def embed_text(embed):
                fields = embed.get("fields") or []
                return (len(embed.get("title") or "") + len(embed.get("description") or "")
                        + len((embed.get("footer") or {}).get("text") or "")
                        + len((embed.get("author") or {}).get("name") or "")
                        + sum(len(f.get("name") or "") + len(f.get("value") or "") for f in fields))
            if (len(body.get("content") or "") > 2000 or len(embeds) > 10
                    or sum(embed_text(e) for e in embeds) > 6000
                    or any(len(e.get("title") or "") > 256 or len(e.get("description") or "") > 4096 for e in embeds)):
                return invalid
            if token.startswith("limited") and self.first_time("discord:" + token):
                return (429, {"message": "You are being rate limited.", "retry_after": 0.5, "global": False}, {"Retry-After": "1"})
            return (200, {"id": "1234", "type": 0, "content": (body or {}).get("content")}, None)
        if path.startswith("/bot") and path.endswith("/sendMessage"):
            token = path[4:-len("/sendMessage")]
            if token not in TELEGRAM_TOKENS and not token.startswith("limited-"):
                return (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, None)
            text = (body or {}).get("text") or ""
            if (body or {}).get("parse_mode") == "HTML":
                problem, length = TelegramHTML.check(text)
                if problem:
                    return (400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse entities: " + problem}, None)
            else:
                length = len(text)
            if length > 4096:
                return (400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}, None)
            if not text:
                return (400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}, None)
            if (body or {}).get("chat_id") == "missing":
                return (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}, None)
            if token.startswith("limited") and self.first_time("telegram:" + token):
                return (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}, None)
            return (200, {"ok": True, "result": {"message_id": 5}}, None)
        if path == "/cgi-bin/stable_token":
            if (body or {}).get("appid") == "badapp":
                return {"errcode": 40013, "errmsg": "invalid appid"}
            with lock:
                seen["wechat-tokens"] = seen.get("wechat-tokens", 0) + 1
                return {"access_token": "tok-%d" % seen["wechat-tokens"], "expires_in": 7200}
        if path == "/cgi-bin/message/template/send":
            token, openid = query.get("access_token"), (body or {}).get("touser")
            if token == "tok-1" and self.first_time("wechat-expire"):
                return {"errcode": 42001, "errmsg": "access_token expired"}
            with lock:
                latest = "tok-%d" % seen.get("wechat-tokens", 0)
            if token != latest:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            if openid == "unfollowed":
                return {"errcode": 43004, "errmsg": "require subscribe"}
            shown = self.first_time("wechat-msg:%s:%s" % (openid, (body or {}).get("client_msg_id")))
            return {"errcode": 0, "errmsg": "ok", "msgid": 200228332, "shown": shown}
        if path.endswith(".send") and path.count("/") == 1:
            if path == "/SCTgood.send":
                return {"code": 0, "message": "", "data": {"pushid": "1", "readkey": "r", "error": "SUCCESS", "errno": 0}}
            return {"code": 40001, "message": "bad pushkey"}
        if path.startswith("/workflows/"):
            return (401, {"error": {"code": "DirectApiAuthorizationRequired", "message": "bad sig"}}, None) if path.endswith("badsig") else (202, "", None)
        if path == "/ckafka":
            return self.ckafka(body or {})
        if path == "/sms":
            return self.tencent_sms(body)
        if path == "/v2/enqueue":
            if (body or {}).get("routing_key") != "good":
                return (400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid routing key"]}, None)
            action = body.get("event_action")
            if action not in ("trigger", "acknowledge", "resolve"):
                return (400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"]}, None)
            if action != "trigger" and not body.get("dedup_key"):
                return (400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["'dedup_key' is missing or blank"]}, None)
            if action == "trigger":
                payload = body.get("payload") or {}
                missing = [name for name in ("summary", "source", "severity") if not payload.get(name)]
                if missing:
                    return (400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["'payload.%s' is missing or blank" % missing[0]]}, None)
            return (202, {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")}, None)
        return {"errcode": 404, "errmsg": "no such endpoint"}


def tc3_problem(headers, payload, secret_id, secret_key, service, action, version):
    """Tencent Cloud's own check of a TC3-HMAC-SHA256 request, or None: (code, message) as the API answers."""
    import re
    auth = headers.get("Authorization", "")
    match = re.fullmatch(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([^/]+)/tc3_request, "
                         r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", auth)
    if not match:
        return ("AuthFailure.InvalidAuthorization", "Authorization is malformed: " + auth[:80])
    credential_id, date, scope_service, signed_headers, signature = match.groups()
    if credential_id != secret_id:
        return ("AuthFailure.SecretIdNotFound", "The SecretId is not found")
    timestamp = headers.get("X-TC-Timestamp", "")
    if not timestamp.isdigit():
        return ("MissingParameter", "X-TC-Timestamp is missing")
    if abs(time.time() - int(timestamp)) > 300:
        return ("AuthFailure.SignatureExpire", "Signature expired; the request time is off by more than 300 s")
    if date != time.strftime("%Y-%m-%d", time.gmtime(int(timestamp))) or scope_service != service:
        return ("AuthFailure.SignatureFailure", "The credential scope does not match the request")
    if headers.get("X-TC-Action") != action:
        return ("InvalidAction", "The requested action does not exist")
    if headers.get("X-TC-Version") != version:
        return ("InvalidParameterValue", "X-TC-Version must be " + version)
    names = signed_headers.split(";")
    if "content-type" not in names or "host" not in names or names != sorted(names):
        return ("AuthFailure.SignatureFailure", "SignedHeaders must list content-type and host, sorted")
    canonical_headers = "".join("%s:%s\n" % (name, (headers.get(name) or "").strip().lower()) for name in names)
    canonical = "POST\n/\n\n%s\n%s\n%s" % (canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest())
    to_sign = "TC3-HMAC-SHA256\n%s\n%s/%s/tc3_request\n%s" % (
        timestamp, date, service, hashlib.sha256(canonical.encode()).hexdigest())
    key = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, service.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    if not hmac.compare_digest(signature, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()):
        return ("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
    return None


def tc3_signature(secret_key, payload, timestamp, host, service):
    hashed = hashlib.sha256(payload).hexdigest()
    canonical = f"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\ncontent-type;host\n{hashed}"
    date = time.strftime("%Y-%m-%d", time.gmtime(int(timestamp)))
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    key = hmac.new(key, service.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


if __name__ == "__main__":
    peer_common.serve(Handler)
