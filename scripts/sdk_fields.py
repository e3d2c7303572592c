#!/usr/bin/env python3
"""Dumps the request and response fields of the vendors' SSL actions, with their types, from the
official Python SDKs' models, as JSON: the expected shapes certdesk's vendor API is checked
against (tests/data/sdk/*.json).

    # Tencent (international SDK, its own virtualenv):
    python3 -m venv target/sdk-tc && target/sdk-tc/bin/pip install tencentcloud-sdk-python-intl-en==3.1.193
    target/sdk-tc/bin/python scripts/sdk_fields.py tencent > tests/data/sdk/tencent-ssl-2019-12-05.json
    # Tencent's China-site SDK, for the actions the international one lacks:
    python3 -m venv target/sdk-tc-cn && target/sdk-tc-cn/bin/pip install tencentcloud-sdk-python-ssl==3.1.145
    target/sdk-tc-cn/bin/python scripts/sdk_fields.py tencent-cn > tests/data/sdk/tencent-ssl-cn-2019-12-05.json
    # Alibaba (CAS 2020-04-07):
    python3 -m venv target/sdk-ali && target/sdk-ali/bin/pip install alibabacloud-cas20200407==3.9.4
    target/sdk-ali/bin/python scripts/sdk_fields.py alibaba > tests/data/sdk/alibaba-cas-2020-04-07.json

Tencent's dumps also list the SSL service's error codes (`errorcodes.py`) under "errors".
Types are the SDK's: Tencent's docstring `:type X: T` (`str`, `int`, `bool`, `float`,
`list of T`, a model name); Alibaba's `__init__` annotations (`str`, `int`, `bool`,
`List[T]`, a model name). Nested models are listed under "models".
"""

import inspect
import json
import re
import sys


def tencent(sdk="tencentcloud-sdk-python-intl-en"):
    from tencentcloud.ssl.v20191205 import models, ssl_client

    out = {"sdk": sdk, "actions": {}, "models": {}}
    pending = []

    def fields(cls):
        doc = inspect.getsource(cls.__init__)
        found = {}
        for name, typ in re.findall(r":type (\w+): ([^\n]+)", doc):
            # A nested model is written ":class:`tencentcloud.ssl.v20191205.models.X`".
            typ = re.sub(r":class:`[\w.]*\.(\w+)`", r"\1", typ.strip())
            found[name] = typ
        # Fields without a docstring type still exist on the instance.
        for k in vars(cls()):
            if k.startswith("_") and k[1:] not in found and k != "_headers":
                found[k[1:]] = "unknown"
        for typ in found.values():
            inner = typ[len("list of "):] if typ.startswith("list of ") else typ
            if inner[:1].isupper() and hasattr(models, inner) and inner not in out["models"]:
                pending.append(inner)
        return found

    for action in sorted(m for m in dir(ssl_client.SslClient) if m[:1].isupper()):
        req = getattr(models, action + "Request", None)
        resp = getattr(models, action + "Response", None)
        if req is None or resp is None:
            continue
        out["actions"][action] = {"request": fields(req), "response": fields(resp)}
    while pending:
        name = pending.pop()
        if name not in out["models"]:
            out["models"][name] = {}
            out["models"][name] = fields(getattr(models, name))
    # The SSL service's error codes, as the SDK ships them.
    from tencentcloud.ssl.v20191205 import errorcodes

    out["errors"] = sorted(
        v for k, v in vars(errorcodes).items() if k.isupper() and isinstance(v, str)
    )
    return out


def alibaba():
    import alibabacloud_cas20200407.client as C
    from alibabacloud_cas20200407 import models as M

    out = {"sdk": "alibabacloud-cas20200407", "actions": {}, "models": {}}
    pending = []

    def fields(cls):
        # The wire names as from_map reads them, each with the attribute it fills.
        src = inspect.getsource(cls.from_map)
        pairs = []
        for wire, block in re.findall(
            r"if m\.get\('([A-Za-z0-9_.]+)'\) is not None:(.*?)(?=\n\s*if m\.get|\n\s*return self)",
            src,
            re.S,
        ):
            attr = re.search(r"self\.([a-z0-9_]+)", block)
            if attr:
                pairs.append((wire, attr.group(1)))
        hints = {}
        try:
            sig = inspect.signature(cls.__init__)
            for p in sig.parameters.values():
                if p.annotation is not inspect.Parameter.empty:
                    a = p.annotation
                    hints[p.name] = a if isinstance(a, str) else getattr(a, "__name__", str(a))
        except (TypeError, ValueError):
            pass
        found = {}
        for wire, attr in pairs:
            typ = str(hints.get(attr, "unknown")).replace("typing.", "")
            typ = re.sub(r"(alibabacloud_cas20200407\.models\.(?:_\w+\.)?|main_models\.)", "", typ)
            found[wire] = typ
            inner = re.sub(r"^(List|Dict)\[(.*)\]$", r"\2", typ).split(",")[-1].strip()
            if hasattr(M, inner) and inner not in out["models"]:
                pending.append(inner)
        return found

    src = inspect.getsource(C)
    blocks = re.findall(
        r"    def ([a-z0-9_]+)_with_options\(\n(.*?)\n        return DaraCore\.from_map", src, re.S
    )
    for _, body in blocks:
        action = (re.search(r"action = '([^']*)'", body) or [None, None])[1]
        if not action:
            continue
        req = getattr(M, action + "Request", None)
        resp = getattr(M, action + "ResponseBody", None)
        if req is None or resp is None:
            continue
        out["actions"][action] = {"request": fields(req), "response": fields(resp)}
    while pending:
        name = pending.pop()
        if name not in out["models"]:
            out["models"][name] = {}
            out["models"][name] = fields(getattr(M, name))
    return out


if __name__ == "__main__":
    vendor = sys.argv[1] if len(sys.argv) > 1 else ""
    if vendor == "tencent":
        data = tencent()
    elif vendor == "tencent-cn":
        # The China-site SDK, for the actions the international one lacks (CompleteCertificate).
        data = tencent("tencentcloud-sdk-python-ssl")
    elif vendor == "alibaba":
        data = alibaba()
    else:
        sys.exit("usage: sdk_fields.py tencent|tencent-cn|alibaba")
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
