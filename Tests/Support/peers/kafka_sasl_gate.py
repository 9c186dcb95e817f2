"""A TLS + SASL front for a plaintext Kafka broker (Tansu 0.6 serves neither TLS nor SASL users on memory
storage). It answers SaslHandshake and SaslAuthenticate itself, as Kafka documents them (KIP-43, KIP-84,
KIP-152; PLAIN per RFC 4616, SCRAM-SHA-256/512 per RFC 5802/7677), then pipes bytes to the broker unchanged.
Requests other than ApiVersions before authentication close the connection, as Kafka does.

It is checked against a real client: the tests seed through it with kafka-python (SASL_SSL, SCRAM).
"""
import asyncio
import base64
import hashlib
import hmac
import os
import struct

ITERATIONS = 4096
FAILED = "Authentication failed during authentication due to invalid credentials with SASL mechanism %s"


def uvarint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def put_uvarint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class Scram:
    def __init__(self, mechanism, users):
        self.name = mechanism
        self.hash = hashlib.sha256 if mechanism.endswith("256") else hashlib.sha512
        self.users = users
        self.stage = 0

    def step(self, message):
        text = message.decode()
        if self.stage == 0:
            if not text.startswith("n,,"):
                raise ValueError("channel binding is not supported")
            self.client_first_bare = text[3:]
            fields = dict(part.split("=", 1) for part in self.client_first_bare.split(","))
            self.user = fields["n"].replace("=2C", ",").replace("=3D", "=")
            self.nonce = fields["r"] + base64.b64encode(os.urandom(18)).decode()
            self.salt = os.urandom(16)
            self.server_first = "r=%s,s=%s,i=%d" % (self.nonce, base64.b64encode(self.salt).decode(), ITERATIONS)
            self.stage = 1
            return self.server_first.encode(), False
        without_proof, proof = text.rsplit(",p=", 1)
        fields = dict(part.split("=", 1) for part in without_proof.split(","))
        password = self.users.get(self.user)
        if password is None or fields.get("r") != self.nonce:
            raise PermissionError()
        salted = hashlib.pbkdf2_hmac(self.hash().name, password.encode(), self.salt, ITERATIONS)
        client_key = hmac.new(salted, b"Client Key", self.hash).digest()
        stored_key = self.hash(client_key).digest()
        auth_message = ",".join([self.client_first_bare, self.server_first, without_proof]).encode()
        signature = hmac.new(stored_key, auth_message, self.hash).digest()
        recovered = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature))
        if self.hash(recovered).digest() != stored_key:
            raise PermissionError()
        server_key = hmac.new(salted, b"Server Key", self.hash).digest()
        verifier = hmac.new(server_key, auth_message, self.hash).digest()
        return ("v=" + base64.b64encode(verifier).decode()).encode(), True


class Plain:
    name = "PLAIN"

    def __init__(self, users):
        self.users = users

    def step(self, message):
        parts = message.split(b"\0")
        if len(parts) != 3 or self.users.get(parts[1].decode()) != parts[2].decode():
            raise PermissionError()
        return b"", True


async def read_frame(reader):
    size = struct.unpack(">i", await reader.readexactly(4))[0]
    if size < 0 or size > 1 << 20:
        raise ValueError("bad frame size")
    return await reader.readexactly(size)


def response(correlation, body, flexible=False):
    header = struct.pack(">i", correlation) + (b"\0" if flexible else b"")
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


async def pipe(source, sink):
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        sink.close()


async def session(client_reader, client_writer, upstream, users, mechanisms):
    mechanism = None
    try:
        while True:
            frame = await read_frame(client_reader)
            api, version, correlation = struct.unpack(">hhi", frame[:8])
            client_length = struct.unpack(">h", frame[8:10])[0]
            at = 10 + max(0, client_length)
            if api == 18:  # ApiVersions: the broker's own answer
                up_reader, up_writer = await asyncio.open_connection(*upstream)
                up_writer.write(struct.pack(">i", len(frame)) + frame)
                await up_writer.drain()
                answer = await read_frame(up_reader)
                up_writer.close()
                client_writer.write(struct.pack(">i", len(answer)) + answer)
            elif api == 17:  # SaslHandshake v0/v1
                length = struct.unpack(">h", frame[at:at + 2])[0]
                wanted = frame[at + 2:at + 2 + length].decode()
                error = 0 if wanted in mechanisms else 33
                if error == 0:
                    mechanism = Plain(users) if wanted == "PLAIN" else Scram(wanted, users)
                body = struct.pack(">hi", error, len(mechanisms))
                for name in mechanisms:
                    body += struct.pack(">h", len(name)) + name.encode()
                client_writer.write(response(correlation, body))
            elif api == 36 and mechanism is not None:  # SaslAuthenticate v0-v2 (v2 is flexible)
                flexible = version >= 2
                if flexible:
                    _, at = uvarint(frame, at)  # header tagged fields (count 0)
                    length, at = uvarint(frame, at)
                    auth = frame[at:at + length - 1]
                else:
                    length = struct.unpack(">i", frame[at:at + 4])[0]
                    auth = frame[at + 4:at + 4 + length]
                try:
                    reply, done = mechanism.step(auth)
                    error, message = 0, None
                except (PermissionError, ValueError, KeyError):
                    reply, done, error, message = b"", False, 58, FAILED % mechanism.name
                if flexible:
                    body = struct.pack(">h", error)
                    body += b"\0" if message is None else put_uvarint(len(message) + 1) + message.encode()
                    body += put_uvarint(len(reply) + 1) + reply + struct.pack(">q", 0) + b"\0"
                else:
                    body = struct.pack(">h", error)
                    body += struct.pack(">h", -1) if message is None else struct.pack(">h", len(message)) + message.encode()
                    body += struct.pack(">i", len(reply)) + reply
                    if version >= 1:
                        body += struct.pack(">q", 0)
                client_writer.write(response(correlation, body, flexible))
                await client_writer.drain()
                if error:
                    await asyncio.sleep(0.2)  # let the client read the error before the close
                    break
                if done:
                    up_reader, up_writer = await asyncio.open_connection(*upstream)
                    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))
                    return
            else:
                break  # anything else before authentication: close, as Kafka does
            await client_writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    client_writer.close()


async def serve_gate(port, upstream, users, ssl_context, mechanisms=("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")):
    server = await asyncio.start_server(
        lambda r, w: session(r, w, upstream, users, list(mechanisms)), "127.0.0.1", port, ssl=ssl_context)
    return server
