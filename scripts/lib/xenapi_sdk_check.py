"""Drives fake-xapi with the official XenAPI Python SDK (PyPI `XenAPI`), unchanged, over XML-RPC.

Usage: xenapi_sdk_check.py URL
Login, records, clone, provision, a config drive (VDI.create + PUT /import_raw_vdi + VBD.create),
start (async task), guest metrics, a fault, shutdown and destroy. Exits non-zero on the first
unmet expectation.
"""
import sys
import time
import urllib.request

import XenAPI

url = sys.argv[1]


def check(condition, what):
    if not condition:
        sys.exit(f"XenAPI SDK check failed: {what}")


session = XenAPI.Session(url)
session.xenapi.login_with_password("root", "secret", "1.0", "xenapi-sdk-check")
x = session.xenapi
try:
    # Records and lookups.
    pools = x.pool.get_all_records()
    check(len(pools) == 1, f"one pool, got {pools}")
    templates = [ref for ref in x.VM.get_by_name_label("debian-12-cloud")
                 if x.VM.get_is_a_template(ref) and not x.VM.get_record(ref)["is_a_snapshot"]]
    check(len(templates) == 1, f"one template named debian-12-cloud, got {templates}")
    template = templates[0]
    check(x.VM.get_record(template)["other_config"].get("cloud_image") == "true", "the template is a cloud image")

    # Clone and provision.
    vm = x.VM.clone(template, "sdk-vm")
    check(x.VM.get_is_a_template(vm), "a clone of a template is a template until provisioned")
    x.VM.provision(vm)
    check(not x.VM.get_is_a_template(vm), "provision clears the template flag")
    x.VM.set_memory_limits(vm, "536870912", "536870912", "536870912", "536870912")
    network = x.network.get_by_name_label("pool-net")[0]
    x.VIF.create({"device": "0", "network": network, "VM": vm, "MAC": "", "MTU": "1500", "other_config": {},
                  "qos_algorithm_type": "", "qos_algorithm_params": {}})

    # A fault: the SDK raises XenAPI.Failure with XAPI's error description.
    try:
        x.VM.start(template, False, False)
        check(False, "starting a template must fail")
    except XenAPI.Failure as failure:
        check(failure.details[0] == "VM_IS_TEMPLATE", f"VM_IS_TEMPLATE, got {failure.details}")
    try:
        x.VM.get_record("OpaqueRef:missing")
        check(False, "a missing ref must fail")
    except XenAPI.Failure as failure:
        check(failure.details[:2] == ["HANDLE_INVALID", "VM"], f"HANDLE_INVALID, got {failure.details}")

    # The config drive: a cloud image's guest reports only once it is attached.
    image = b"cidata-image".ljust(4096, b"\0")
    sr = x.pool.get_default_SR(list(pools.keys())[0])
    vdi = x.VDI.create({"name_label": "cidata", "name_description": "", "SR": sr, "virtual_size": str(len(image)),
                        "type": "user", "sharable": False, "read_only": False, "other_config": {}})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/import_raw_vdi?session_id={session._session}&vdi={vdi}&format=raw",
        data=image, method="PUT", headers={"Content-Length": str(len(image))})
    with urllib.request.urlopen(request) as response:
        check(response.status == 200, f"upload answered {response.status}")
    with urllib.request.urlopen(f"{url.rstrip('/')}/admin/vdi/{vdi}") as response:
        check(response.read() == image, "the uploaded bytes read back")
    device = sorted(x.VM.get_allowed_VBD_devices(vm), key=int)[0]
    x.VBD.create({"VM": vm, "VDI": vdi, "userdevice": device, "bootable": False, "mode": "RO", "type": "Disk",
                  "empty": False, "other_config": {}, "qos_algorithm_type": "", "qos_algorithm_params": {}})

    # Start as an async task and poll it, as the SDK's users do.
    task = x.Async.VM.start(vm, False, False)
    deadline = time.time() + 20
    while x.task.get_status(task) == "pending":
        check(time.time() < deadline, "the start task never finished")
        time.sleep(0.05)
    check(x.task.get_status(task) == "success", f"start task: {x.task.get_record(task)}")
    x.task.destroy(task)
    check(x.VM.get_power_state(vm) == "Running", "the VM runs")

    # Guest metrics appear with the agent's addresses.
    deadline = time.time() + 20
    metrics = x.VM.get_guest_metrics(vm)
    while metrics == "OpaqueRef:NULL":
        check(time.time() < deadline, "guest metrics never appeared")
        time.sleep(0.05)
        metrics = x.VM.get_guest_metrics(vm)
    networks = x.VM_guest_metrics.get_record(metrics)["networks"]
    check("0/ip" in networks, f"an IPv4 on NIC 0, got {networks}")

    # Shut down and destroy, disks included.
    x.VM.hard_shutdown(vm)
    for vbd in x.VM.get_VBDs(vm):
        disk = x.VBD.get_VDI(vbd)
        if disk != "OpaqueRef:NULL":
            x.VDI.destroy(disk)
    x.VM.destroy(vm)
    check(vm not in x.VM.get_all(), "the VM is gone")
    print(f"XenAPI SDK check: ok (XenAPI {getattr(XenAPI, '__version__', 'unknown')})")
finally:
    session.xenapi.session.logout()
