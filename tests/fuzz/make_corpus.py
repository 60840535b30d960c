#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) from fixtures/ and the contracts.

Run from anywhere: `python3 tests/fuzz/make_corpus.py`. It rewrites the generated seeds (files named gen-*) and leaves
any other file in corpus/ alone (checked-in seeds such as real JPEG and WebP images). The output is deterministic.

- handle: every documented request example of every provider (fixtures/<id>/index.json, kind "request") sent to its
  path with the provider's first auth scheme, followed by the calls a client makes next (status, result, cancel, a
  result file download, with "$JOB"/"$FILE" standing for the newest job and its first file); every contract route
  with an empty body; the admin API; inline images (data: URIs, raw base64) and a multipart upload.
- scenario: every scenario of the catalog (fixtures/scenarios/*.json), verbatim.
- multipart: multipart/form-data bodies as the openai SDK sends them (one image, image[] parts, fields).
- inline_image: data: URIs and raw base64 of a real PNG, and the PNG's bytes. Beside them, checked in (not
  generated here): render-16x8.jpg, render-16x8.webp, render-9x5.png, data-uri-jpeg and data-uri-webp, small images
  rendered by the simulator's own encoders (images::render), so the fuzzer starts inside every decoder.
"""
import base64
import json
import pathlib
import struct
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
SEPARATOR = "\n--next--\n"


def png(width=2, height=2):
    """A real RGB PNG, built by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"".join(bytes([(x * 60) % 256, (y * 90) % 256, 128]) for x in range(width))
                   for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = png()
PNG_B64 = base64.b64encode(PNG).decode()
DATA_URI = "data:image/png;base64," + PNG_B64


def contract(provider):
    return json.loads((ROOT / "contracts" / "providers" / f"{provider}.json").read_text())


def auth_header(document):
    scheme = document["auth"]["schemes"][0]
    if scheme["in"] == "query":
        return None, f"{scheme['param']}=fuzz-key"
    return f"{scheme['header']}: {scheme.get('prefix', '')}fuzz-key", None


def request(method, target, headers=(), body=""):
    """One request in the fuzz format (tests/fuzz/fuzz_support.hpp), as bytes; a text body is sent as UTF-8."""
    lines = [f"{method} {target}", *[h for h in headers if h]]
    head = ("\n".join(lines) + "\n\n").encode()
    return head + (body if isinstance(body, bytes) else body.encode())


def join(calls):
    return SEPARATOR.encode().join(calls)


def fill(path, document, job="$JOB"):
    models = list(document["models"].keys()) if isinstance(document["models"], dict) else [m["id"] for m in document["models"]]
    out = path.replace("{model}", models[0])
    for name in ("request_id", "task_id", "id"):
        out = out.replace("{" + name + "}", job)
    return out


def follow_ups(provider, document, header):
    """The calls a client makes after a submit: every GET/PUT/DELETE route of the contract on the newest job."""
    calls = []
    for op in document["operations"].values():
        if op["method"] == "POST":
            continue
        calls.append(request(op["method"], f"/{provider}" + fill(op["path"], document), [header]))
    calls.append(request("POST", "/__nanosim/clock/advance", ["Content-Type: application/json"], '{"ms": 600000}'))
    calls.extend(calls[:])  # again once the jobs are done
    calls.append(request("GET", "/__nanosim/files/$FILE"))
    calls.append(request("HEAD", "/__nanosim/files/$FILE"))
    return calls


def handle_seeds():
    seeds = {}
    for index in sorted((ROOT / "fixtures").glob("*/index.json")):
        provider = index.parent.name
        if provider == "scenarios":
            continue
        document = contract(provider)
        header, query = auth_header(document)
        entries = json.loads(index.read_text())["fixtures"]
        for entry in entries:
            if entry.get("kind") != "request":
                continue
            body = (index.parent / entry["file"]).read_text()
            target = f"/{provider}{entry['path']}" + (f"?{query}" if query else "")
            submit = request("POST", target, [header, "Content-Type: application/json"], body)
            seeds[f"{provider}-{entry['file'].removesuffix('.json')}"] = join([submit, *follow_ups(provider, document, header)])
        for name, op in sorted(document["operations"].items()):
            target = f"/{provider}" + fill(op["path"], document, "task_fuzz") + (f"?{query}" if query else "")
            seeds[f"{provider}-route-{name}"] = request(op["method"], target, [header, "Content-Type: application/json"], "{}")
    seeds.update(inline_image_requests())
    seeds.update(admin_seeds())
    return seeds


def inline_image_requests():
    seeds = {}
    for name, value in (("data-uri", DATA_URI), ("raw-base64", PNG_B64), ("bad-data-uri", "data:image/png;base64,bm90IGFuIGltYWdl")):
        body = json.dumps({"model": "nano-banana", "type": "image-to-image", "prompt": "edit", "image_urls": [value]})
        seeds[f"bananapro-inline-{name}"] = request("POST", "/bananapro/api/v1/images/generate",
                                                    ["Authorization: Bearer fuzz-key", "Content-Type: application/json"], body)
        body = json.dumps({"prompt": "edit", "image_urls": [value]})
        seeds[f"odirouter-inline-{name}"] = request("POST", "/odirouter/v1/queue/nano_banana_2",
                                                    ["Authorization: Bearer fuzz-key", "Content-Type: application/json"], body)
    boundary = "fuzzboundary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nNanoBanana2-1K\r\n"
                 f"--{boundary}\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nedit it\r\n"
                 f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                 f"Content-Type: image/png\r\n\r\n").encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
    seeds["nanoseries-edits-multipart"] = request(
        "POST", "/nanoseries/v1/images/edits",
        ["Authorization: Bearer fuzz-key", f"Content-Type: multipart/form-data; boundary={boundary}"],
        multipart)
    return seeds


def admin_seeds():
    calls = [
        request("GET", "/__nanosim/health"), request("GET", "/__nanosim/clock"),
        request("POST", "/__nanosim/clock/advance", [], '{"ms": 1000}'),
        request("POST", "/__nanosim/clock/advance", [], '{"ms": 9223372036854775807}'),
        request("GET", "/__nanosim/journal?after=0&limit=5"), request("GET", "/__nanosim/jobs"),
        request("GET", "/__nanosim/jobs/$JOB"), request("GET", "/__nanosim/usage?api_key=fuzz-key"),
        request("GET", "/__nanosim/credits"), request("PUT", "/__nanosim/credits/fuzz-key", [], '{"balance": 3}'),
        request("GET", "/__nanosim/contracts"), request("GET", "/__nanosim/contracts/odirouter/openapi"),
        request("GET", "/__nanosim/scenarios/catalog"), request("POST", "/__nanosim/scenarios", [], '{"name": "rate-limited"}'),
        request("GET", "/__nanosim/scenarios"), request("DELETE", "/__nanosim/scenarios/rate-limited"),
        request("GET", "/__nanosim/verify?check=honoured_retry_after"), request("GET", "/__nanosim/verify/coverage"),
        request("POST", "/__nanosim/reset"),
    ]
    seeds = {"admin-every-endpoint": join(calls)}
    for scenario in sorted((ROOT / "fixtures" / "scenarios").glob("*.json")):
        if scenario.name == "scenario.schema.json":
            continue
        submit = request("POST", "/toapis/v1/images/generations", ["Authorization: Bearer fuzz-key", "Content-Type: application/json"],
                         json.dumps({"model": "nano-banana-2", "prompt": "A red cube", "size": "1:1"}))
        seeds[f"scenario-{scenario.stem}"] = join(
            [request("POST", "/__nanosim/scenarios", [], scenario.read_text()), submit, submit,
             request("GET", "/toapis/v1/images/generations/$JOB", ["Authorization: Bearer fuzz-key"])])
    return seeds


def scenario_seeds():
    return {f"catalog-{p.stem}": p.read_text() for p in sorted((ROOT / "fixtures" / "scenarios").glob("*.json"))
            if p.name != "scenario.schema.json"}


def multipart_seeds():
    seeds = {}
    for name, parts in (("one-image", [("image", "a.png", PNG)]),
                        ("image-array", [("image[]", "a.png", PNG), ("image[]", "b.png", PNG)]),
                        ("fields-only", [])):
        boundary = "----formdata-fuzz-" + name
        body = b""
        for field, value in (("model", b"NanoBanana2-1K"), ("prompt", b"edit it"), ("n", b"1")):
            body += f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n".encode() + value + b"\r\n"
        for field, filename, data in parts:
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
                     f"Content-Type: image/png\r\n\r\n").encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        seeds[name] = f"multipart/form-data; boundary={boundary}\n".encode() + body
    return seeds


def inline_image_seeds():
    return {"data-uri-png": DATA_URI, "raw-base64-png": PNG_B64, "png-bytes": PNG,
            "data-uri-heic": "data:image/heic;base64," + PNG_B64}


def write(target, seeds):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("gen-*"):
        old.unlink()
    for name, content in seeds.items():
        (folder / f"gen-{name}").write_bytes(content if isinstance(content, bytes) else content.encode())


if __name__ == "__main__":
    write("handle", handle_seeds())
    write("scenario", scenario_seeds())
    write("multipart", multipart_seeds())
    write("inline_image", inline_image_seeds())
    for target in ("handle", "scenario", "multipart", "inline_image"):
        print(target, len(list((CORPUS / target).iterdir())), "seeds")
