#!/usr/bin/env python3
"""Real Helm (v4, from the helm-sdkpy wheel's libhelm_sdkpy.so) through ctypes.

    helm.py lint CHART_DIR...
        `helm lint` on each chart. Prints one line per finding and exits 1
        when any finding is an error (severity 3). The library returns the
        error texts as `{}`; the text is recovered by loading and rendering
        the chart again (see `explain`).

    helm.py template CHART_DIR... [--set KEY=VALUE]... [--name R] [--namespace NS]
                     [--json] [--validate]
        Renders each chart with real Helm and prints the manifests (hooks
        included), like `helm template`. The library has no template or
        dry-run entry point, so this runs a real `helm install` (values,
        schema checks, Helm's engine and Capabilities are all Helm's own)
        against an in-process stub of the Kubernetes API that serves
        discovery for the built-in API groups of --kube-version, answers
        every GET with 404 and accepts every create; releases go to Helm's
        memory driver. --json prints one JSON object per chart instead;
        --validate also checks every manifest against the Kubernetes JSON
        schemas (kubernetes-validate, strict: unknown fields are errors) and
        exits 1 on any render or schema error.

    helm.py validate FILE...
        Validates YAML manifests ("-" for stdin) against the schemas.

Finds its components under .tools/ (scripts/test installs them) or through
HELM_SDKPY_LIB and PYTHONPATH. Exit status 77 means a component is missing.

Environment: HELM_PY_NO_CRDS=1 leaves the Prometheus Operator's CRDs out of
the stub's discovery (they are served by default).

Limit: the stub cannot run pre-/post-install hooks (Helm validates hook
objects against the server's protobuf OpenAPI and waits for them), so a chart
with such a hook fails to render here; it still lints.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / ".tools"
LIB_REL = "helm_sdkpy/_lib/linux-amd64/libhelm_sdkpy.so"
DEFAULT_KUBE_VERSION = "1.33.0"
SEVERITY = {0: "UNKNOWN", 1: "INFO", 2: "WARNING", 3: "ERROR"}
ERROR = 3
EXIT_MISSING = 77
if (TOOLS / "py").is_dir():
    sys.path.insert(0, str(TOOLS / "py"))


class Missing(Exception):
    """A component (library, Python package) is not installed."""


# --------------------------------------------------------------------------
# The library


def helm_env() -> dict[str, str]:
    """Helm's settings. Go reads the environment once, when the library is
    loaded, from the process's initial environment: they must be there
    before this process starts (main re-executes itself to set them)."""
    home = TOOLS / "helm-home" if TOOLS.is_dir() else Path(tempfile.gettempdir()) / "helm-py-home"
    return {
        "HELM_DRIVER": "memory",  # releases live in memory, never in the API
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }


def lib_path() -> Path:
    env = os.environ.get("HELM_SDKPY_LIB")
    if env:
        return Path(env)
    for base in [TOOLS / "helm", TOOLS / "py", *map(Path, sys.path)]:
        p = base / LIB_REL
        if p.is_file():
            return p
    raise Missing(
        f"libhelm_sdkpy.so not found (looked for .tools/helm/{LIB_REL}); "
        "scripts/test installs it"
    )


# For actions that never call the API (lint, show): a cluster that is not
# there, so neither $KUBECONFIG nor an in-cluster ServiceAccount is used.
OFFLINE_KUBECONFIG = (
    "apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n"
    "    server: http://127.0.0.1:9\ncontexts:\n- name: none\n  context:\n"
    "    cluster: none\ncurrent-context: none\n"
)


class Helm:
    """The C entry points of libhelm_sdkpy.so used here."""

    def __init__(self) -> None:
        path = lib_path()
        if not path.is_file():
            raise Missing(f"{path} does not exist")
        lib = ctypes.CDLL(str(path))
        h = ctypes.c_ulonglong
        out = ctypes.POINTER(ctypes.c_void_p)
        s = ctypes.c_char_p
        lib.helm_sdkpy_config_create.argtypes = [s, s, s, s, ctypes.POINTER(h)]
        lib.helm_sdkpy_config_create.restype = ctypes.c_int
        lib.helm_sdkpy_config_destroy.argtypes = [h]
        lib.helm_sdkpy_config_destroy.restype = None
        lib.helm_sdkpy_lint.argtypes = [h, s, out]
        lib.helm_sdkpy_lint.restype = ctypes.c_int
        lib.helm_sdkpy_show_chart.argtypes = [h, s, out]
        lib.helm_sdkpy_show_chart.restype = ctypes.c_int
        lib.helm_sdkpy_install.argtypes = [h, s, s, s, s, s, out]
        lib.helm_sdkpy_install.restype = ctypes.c_int
        lib.helm_sdkpy_last_error.argtypes = []
        lib.helm_sdkpy_last_error.restype = ctypes.c_void_p
        lib.helm_sdkpy_free.argtypes = [ctypes.c_void_p]
        lib.helm_sdkpy_free.restype = None
        self.lib = lib

    def _error(self) -> str:
        # Owned by the library (a per-thread slot): copied, never freed.
        p = self.lib.helm_sdkpy_last_error()
        return ctypes.string_at(p).decode("utf-8", "replace") if p else "unknown error"

    def _take(self, p: ctypes.c_void_p) -> str:
        if not p.value:
            return ""
        try:
            return ctypes.string_at(p.value).decode("utf-8", "replace")
        finally:
            self.lib.helm_sdkpy_free(p.value)

    def config(self, namespace: str, kubeconfig: str = OFFLINE_KUBECONFIG) -> int:
        handle = ctypes.c_ulonglong()
        rc = self.lib.helm_sdkpy_config_create(
            namespace.encode(), kubeconfig.encode(), b"", b"{}", ctypes.byref(handle)
        )
        if rc != 0:
            raise RuntimeError(f"helm config: {self._error()}")
        return handle.value

    def lint(self, chart: str) -> dict:
        handle = self.config("default")
        try:
            out = ctypes.c_void_p()
            rc = self.lib.helm_sdkpy_lint(handle, chart.encode(), ctypes.byref(out))
            if rc != 0:
                return {"failed": self._error()}
            return json.loads(self._take(out))
        finally:
            self.lib.helm_sdkpy_config_destroy(handle)

    def show_chart(self, chart: str) -> tuple[bool, str]:
        handle = self.config("default")
        try:
            out = ctypes.c_void_p()
            rc = self.lib.helm_sdkpy_show_chart(handle, chart.encode(), ctypes.byref(out))
            if rc != 0:
                return False, self._error()
            return True, self._take(out)
        finally:
            self.lib.helm_sdkpy_config_destroy(handle)

    def install(
        self, kubeconfig: str, namespace: str, name: str, chart: str, values: dict
    ) -> tuple[dict | None, str]:
        """A real `helm install` (no wait, client-side apply) into kubeconfig's API."""
        handle = self.config(namespace, kubeconfig)
        try:
            out = ctypes.c_void_p()
            options = {
                "wait": False,
                "timeout_seconds": 30,
                "server_side_apply": "false",
                "disable_openapi_validation": True,
            }
            rc = self.lib.helm_sdkpy_install(
                handle,
                name.encode(),
                chart.encode(),
                json.dumps(values).encode() if values else b"",
                b"",
                json.dumps(options).encode(),
                ctypes.byref(out),
            )
            if rc != 0:
                return None, self._error()
            return json.loads(self._take(out)), ""
        finally:
            self.lib.helm_sdkpy_config_destroy(handle)


# --------------------------------------------------------------------------
# A stub of the Kubernetes API: discovery from the schemas, 404 on GET,
# every create accepted.

CLUSTER_SCOPED = {
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "DeviceTaintRule",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersion",
    "StorageVersionMigration",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
}
# Kinds that are subresources, not resources of their own.
SUBRESOURCES = {"Scale", "Eviction", "TokenRequest"}


def plural(kind: str) -> str:
    k = kind.lower()
    if k == "endpoints":
        return k
    if re.search(r"[^aeiou]y$", k):
        return k[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", k):
        return k + "es"
    return k + "s"


def schema_dir(kube_version: str) -> Path:
    try:
        import kubernetes_validate  # noqa: F401  (its schemas ship in the package)
    except ImportError as e:
        raise Missing(f"Python package kubernetes-validate: {e}") from e
    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    mm = ".".join(kube_version.split(".")[:2])
    dirs = sorted(
        (d for d in base.iterdir() if re.fullmatch(r"v\d+\.\d+\.\d+-local-strict", d.name)),
        key=lambda d: tuple(int(x) for x in d.name[1:].split("-")[0].split(".")),
    )
    fit = [d for d in dirs if tuple(map(int, d.name[1:].split("-")[0].split(".")[:2]))
           <= tuple(map(int, mm.split(".")))]
    if not fit:
        raise Missing(f"kubernetes-validate has no schemas for Kubernetes {kube_version}")
    return fit[-1]


CRD_KINDS = ("ServiceMonitor", "PodMonitor", "PrometheusRule")


def discovery(kube_version: str) -> dict[str, list[dict]]:
    """group/version ("v1" for core) -> APIResource entries: the GA (vN)
    versions of every kind in the Kubernetes schemas, what a default cluster
    of that version serves."""
    defs = json.loads((schema_dir(kube_version) / "_definitions.json").read_text())["$defs"]
    out: dict[str, list[dict]] = {}
    for name, d in defs.items():
        for gvk in d.get("x-kubernetes-group-version-kind", []):
            kind, group, version = gvk["kind"], gvk["group"], gvk["version"]
            if (
                not re.fullmatch(r"v\d+", version)
                or kind.endswith("List")
                or kind in SUBRESOURCES
                or "apimachinery" in name
            ):
                continue
            gv = f"{group}/{version}" if group else version
            res = out.setdefault(gv, [])
            if any(r["kind"] == kind for r in res):
                continue
            res.append(
                {
                    "name": plural(kind),
                    "singularName": kind.lower(),
                    "namespaced": kind not in CLUSTER_SCOPED,
                    "kind": kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                }
            )
    # `helm template` renders custom resources without a cluster; the stub
    # serves the Prometheus Operator's, which charts enable with a value
    # (serviceMonitor.enabled, prometheusRule.enabled), as if installed.
    # HELM_PY_NO_CRDS=1 serves a cluster without them, for charts that
    # render a custom resource only when `.Capabilities` has its CRD.
    if os.environ.get("HELM_PY_NO_CRDS"):
        return out
    out["monitoring.coreos.com/v1"] = [
        {
            "name": plural(kind),
            "singularName": kind.lower(),
            "namespaced": True,
            "kind": kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        }
        for kind in CRD_KINDS
    ]
    return out


class StubAPI:
    """The Kubernetes API as far as `helm install` needs one, on loopback."""

    def __init__(self, kube_version: str) -> None:
        resources = discovery(kube_version)
        major, minor = kube_version.split(".")[:2]
        groups: dict[str, list[str]] = {}
        for gv in resources:
            if "/" in gv:
                g, v = gv.split("/")
                groups.setdefault(g, []).append(v)
        routes = {
            "/version": {
                "major": major,
                "minor": minor,
                "gitVersion": f"v{kube_version}",
                "platform": "linux/amd64",
            },
            "/api": {"kind": "APIVersions", "versions": ["v1"],
                     "serverAddressByClientCIDRs": []},
            "/apis": {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": g,
                        "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                        "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]},
                    }
                    for g, vs in sorted(groups.items())
                ],
            },
        }
        for gv, res in resources.items():
            path = "/api/v1" if gv == "v1" else f"/apis/{gv}"
            routes[path] = {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": gv,
                "resources": res,
            }
        self.routes = routes
        self.created: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else 40 ms per request (delayed ACK)

            def log_message(self, fmt: str, *args: object) -> None:
                if os.environ.get("HELM_PY_TRACE"):
                    sys.stderr.write(f"stub API: {fmt % args}\n")

            def reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def not_found(self) -> None:
                self.reply(404, {
                    "kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Failure", "reason": "NotFound", "code": 404,
                    "message": f"{urlsplit(self.path).path} not found",
                })

            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path.rstrip("/")
                if path in stub.routes:
                    self.reply(200, stub.routes[path])
                else:
                    self.not_found()

            def body(self) -> bytes:
                """The request's body, sent with a length or in chunks: one
                left unread would be parsed as the next request on this
                kept-alive connection, which then fails."""
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:  # noqa: N802
                try:
                    obj = json.loads(self.body() or b"{}")
                except ValueError:
                    obj = {}
                meta = obj.setdefault("metadata", {})
                meta.setdefault("uid", str(uuid.uuid4()))
                meta.setdefault("resourceVersion", "1")
                meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
                stub.created.append(obj)
                self.reply(201, obj)

            do_PUT = do_PATCH = do_POST  # noqa: N815

            def do_DELETE(self) -> None:  # noqa: N802
                self.body()  # DeleteOptions, when sent
                self.reply(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})

        class Server(ThreadingHTTPServer):
            # Helm opens many connections at once on a loaded machine; the
            # default backlog of 5 drops some of them.
            request_queue_size = 128
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        port = self.server.server_address[1]
        self.kubeconfig = (
            "apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: stub\n  cluster:\n    server: http://127.0.0.1:{port}\n"
            "contexts:\n- name: stub\n  context:\n    cluster: stub\n    user: stub\n"
            "current-context: stub\n"
            "users:\n- name: stub\n  user:\n    token: stub\n"
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------
# Values, manifests and schemas


def parse_set(pairs: list[str]) -> dict:
    """--set a.b=c, with Helm's scalars: true/false, null, integers."""
    values: dict = {}
    for pair in pairs:
        for item in pair.split(","):
            key, sep, raw = item.partition("=")
            if not sep or not key:
                raise SystemExit(f"--set {item!r}: expected KEY=VALUE")
            value: object
            if raw in ("true", "false"):
                value = raw == "true"
            elif raw == "null":
                value = None
            elif re.fullmatch(r"-?(0|[1-9][0-9]*)", raw):
                value = int(raw)
            else:
                value = raw
            node = values
            parts = key.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
                if not isinstance(node, dict):
                    raise SystemExit(f"--set {item!r}: {p} is not a map")
            node[parts[-1]] = value
    return values


def load_yaml_docs(text: str) -> list:
    try:
        import yaml
    except ImportError as e:
        raise Missing(f"Python package PyYAML (a kubernetes-validate dependency): {e}") from e
    return [d for d in yaml.safe_load_all(text) if d is not None]


def split_manifest(manifest: str) -> list[tuple[str, object]]:
    """(template path from Helm's `# Source:` line, object) per document."""
    out = []
    for doc in re.split(r"(?m)^---[ \t]*$", manifest):
        m = re.search(r"(?m)^# Source: (.+)$", doc)
        for obj in load_yaml_docs(doc):
            out.append((m.group(1).strip() if m else "", obj))
    return out


def validate(obj: object, kube_version: str) -> list[str]:
    """Errors of one manifest against the strict Kubernetes schemas."""
    try:
        import kubernetes_validate as kv
        from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
    except ImportError as e:
        raise Missing(f"Python package kubernetes-validate: {e}") from e
    if not isinstance(obj, dict) or "apiVersion" not in obj or "kind" not in obj:
        return ["not a Kubernetes object (needs apiVersion and kind)"]
    try:
        kv.validate(obj, kube_version, strict=True)
    except ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        return [f"{where}: {e.message}"]
    except SchemaNotFoundError as e:
        return [e.message]
    return []


def render(helm: Helm, stub: StubAPI, chart: str, values: dict, name: str,
           namespace: str) -> dict:
    rel, err = helm.install(stub.kubeconfig, namespace, name, chart, values)
    if rel is None and re.search(r"failed (pre|post)-install", err):
        err += " (helm.py's stub API cannot run install hooks)"
    if rel is None:
        return {"chart": chart, "error": err, "manifest": "", "objects": []}
    parts = [rel.get("manifest") or ""]
    for hook in rel.get("hooks") or []:
        parts.append(f"---\n# Source: {hook.get('path', '')}\n{hook.get('manifest', '')}")
    manifest = "\n".join(p.strip("\n") for p in parts if p.strip())
    return {"chart": chart, "error": "", "manifest": manifest + "\n" if manifest else ""}


def explain(helm: Helm, stub: StubAPI | None, chart: str) -> list[str]:
    """The texts behind lint errors: the chart's loader error, else the
    error of rendering it with its default values."""
    ok, text = helm.show_chart(chart)
    if not ok:
        return [text]
    if stub is None:
        return []
    r = render(helm, stub, chart, {}, "lint", "default")
    return [r["error"]] if r["error"] else []


# --------------------------------------------------------------------------
# Commands


def cmd_lint(args: argparse.Namespace) -> int:
    helm = Helm()
    stub = None
    errors = 0
    try:
        for chart in args.charts:
            res = helm.lint(chart)
            if "failed" in res:
                print(f"{chart}: ERROR: {res['failed']}")
                errors += 1
                continue
            chart_errors = 0
            for m in res.get("Messages") or []:
                sev = m.get("Severity", 0)
                chart_errors += sev >= ERROR
                if sev < min(args.min_severity, ERROR):
                    continue
                # Most errors marshal as {} (Go error values); some as text.
                err = m.get("Err")
                text = err if isinstance(err, str) and err else ""
                print(f"{chart}: {SEVERITY.get(sev, sev)}: {m.get('Path') or '(chart)'}"
                      + (f": {text}" if text else ""))
            if chart_errors:
                errors += chart_errors
                if stub is None:
                    try:
                        stub = StubAPI(args.kube_version)
                    except Missing:
                        stub = None
                texts = explain(helm, stub, chart)
                for text in texts:
                    print(f"{chart}: ERROR: helm says: {text}")
                if not texts:
                    print(f"{chart}: ERROR: the library returned no text for this; "
                          "the chart loads and renders, so it is one of Helm's lint rules "
                          "(for Chart.yaml: name, apiVersion v1 or v2, version and appVersion "
                          "quoted strings, version SemVer, maintainers, source and icon URLs)")
    finally:
        if stub:
            stub.close()
    print(f"linted {len(args.charts)} chart(s), {errors} error(s)", file=sys.stderr)
    return 1 if errors else 0


def cmd_template(args: argparse.Namespace) -> int:
    values = parse_set(args.set or [])
    helm = Helm()
    stub = StubAPI(args.kube_version)
    failed = 0
    try:
        for chart in args.charts:
            r = render(helm, stub, chart, values, args.name, args.namespace)
            if args.validate or args.json:
                objs = []
                if not r["error"]:
                    try:
                        docs = split_manifest(r["manifest"])
                    except Exception as e:  # noqa: BLE001  (PyYAML's errors)
                        r["error"] = f"rendered YAML does not parse: {e}"
                        docs = []
                    for source, d in docs:
                        errs = validate(d, args.kube_version) if args.validate else []
                        failed += bool(errs)
                        objs.append({"source": source, "object": d, "schema_errors": errs})
                r["objects"] = objs
            failed += bool(r["error"])
            if args.json:
                print(json.dumps(r, sort_keys=True))
            elif r["error"]:
                print(f"{chart}: ERROR: {r['error']}", file=sys.stderr)
            else:
                sys.stdout.write(r["manifest"])
                for o in r.get("objects", []):
                    for e in o["schema_errors"]:
                        meta = o["object"].get("metadata") or {}
                        print(f"{chart}: {o['object'].get('kind')}/{meta.get('name')}: {e}",
                              file=sys.stderr)
    finally:
        stub.close()
    return 1 if failed and (args.validate or not args.json) else 0


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for f in args.files:
        text = sys.stdin.read() if f == "-" else Path(f).read_text()
        for d in load_yaml_docs(text):
            for e in validate(d, args.kube_version):
                meta = (d.get("metadata") or {}) if isinstance(d, dict) else {}
                print(f"{f}: {d.get('kind') if isinstance(d, dict) else '?'}/"
                      f"{meta.get('name')}: {e}")
                failed += 1
    return 1 if failed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kube-version", default=DEFAULT_KUBE_VERSION)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("lint", help="helm lint each chart; exit 1 on any error")
    p.add_argument("charts", nargs="+")
    p.add_argument("--min-severity", type=int, default=2,
                   help="print findings of at least this severity (1 info, 2 warning, 3 error)")
    p.set_defaults(func=cmd_lint)
    p = sub.add_parser("template", help="render charts with real Helm")
    p.add_argument("charts", nargs="+")
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    p.add_argument("--name", default="release")
    p.add_argument("--namespace", default="default")
    p.add_argument("--json", action="store_true", help="one JSON object per chart")
    p.add_argument("--validate", action="store_true",
                   help="check every manifest against the Kubernetes schemas")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("validate", help="check YAML manifests against the schemas")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)
    args = ap.parse_args()
    env = helm_env()
    if any(os.environ.get(k) != v for k, v in env.items()):
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]],
                  {**os.environ, **env})
    try:
        return args.func(args)
    except Missing as e:
        print(f"helm.py: missing component: {e}", file=sys.stderr)
        return EXIT_MISSING


if __name__ == "__main__":
    sys.exit(main())
