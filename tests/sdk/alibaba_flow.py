"""Alibaba's official SDK (alibabacloud-cas20200407), unmodified, against certdesk's server:
CSRs created, uploaded, listed, detailed, updated and deleted; a free certificate from
application through DNS validation to the certificate; the older HMAC-SHA1 signature; and the
SDK's exceptions for each refusal.

usage: python alibaba_flow.py ENDPOINT ACCESS_KEY_ID ACCESS_KEY_SECRET OUT_DIR OTHER_ID OTHER_SECRET
(the last two: a key pair of another account, which must reach none of the first's records)
Prints one line per step; exits non-zero on the first failure.
"""
import os
import sys
import time

from alibabacloud_cas20200407 import models
from alibabacloud_cas20200407.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi import utils_models as open_api_util_models
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.utils import Utils
from darabonba.runtime import RuntimeOptions

endpoint, key_id, key_secret, out, other_id, other_secret = sys.argv[1:7]


def client(kid=key_id, secret=key_secret, algorithm=None):
    cfg = open_api_models.Config(access_key_id=kid, access_key_secret=secret, endpoint=endpoint, protocol="http")
    if algorithm:
        cfg.signature_algorithm = algorithm
    return Client(cfg)


def step(name, value=""):
    print("ok", name, value, flush=True)


def expect_error(code, fn, status=None, contains=None):
    try:
        fn()
    except AlibabaCloudException as e:
        assert e.code == code, (code, e.code, e.message)
        if status is not None:
            assert e.status_code == status, (status, e.status_code, e.data)
        assert e.request_id, "no request id"
        if contains:
            assert contains in e.message, (contains, e.message)
        step("error " + code, e.message[:60])
        return
    raise AssertionError("expected " + code)


c = client()
made = c.create_csr(models.CreateCsrRequest(algorithm="ECC", key_size=256, common_name="www.example.com",
                                            country_code="CN", province="Zhejiang", locality="Hangzhou",
                                            corp_name="Example Org", name="web-1")).body
assert isinstance(made.csr_id, int), made.csr_id
assert made.csr.startswith("-----BEGIN CERTIFICATE REQUEST-----")
step("CreateCsr", made.csr_id)
listed = c.list_csr(models.ListCsrRequest(show_size=10, current_page=1)).body
assert listed.total_count == 1 and listed.csr_list[0].csr_id == made.csr_id, listed.to_map()
step("ListCsr", listed.total_count)
detail = c.get_csr_detail(models.GetCsrDetailRequest(csr_id=made.csr_id)).body
assert "PRIVATE KEY" in detail.private_key
step("GetCsrDetail")
# Upload the same CSR without its key (the PEM travels in the query), then give it the key.
up = c.upload_csr(models.UploadCsrRequest(csr=made.csr, name="up-1")).body
c.update_csr(models.UpdateCsrRequest(csr_id=up.csr_id, key=detail.private_key))
assert c.get_csr_detail(models.GetCsrDetailRequest(csr_id=up.csr_id)).body.private_key
step("UploadCsr+UpdateCsr", up.csr_id)
c.delete_csr(models.DeleteCsrRequest(csr_id=up.csr_id))
step("DeleteCsr")
# The older RPC signature (HMAC-SHA1) is taken too.
v2 = client(algorithm="v2").list_csr(models.ListCsrRequest()).body
assert v2.total_count == 1, v2.to_map()
step("ListCsr v2 signature", v2.total_count)

# A free certificate, validated through the account's DNS zone on the server.
def used():
    return c.describe_package_state(models.DescribePackageStateRequest(product_code="digicert-free-1-free")).body.used_count


before = used()
order = c.create_certificate_request(models.CreateCertificateRequestRequest(
    product_code="digicert-free-1-free", username="Zhang San", phone="13800138000",
    email="ops@example.com", domain="ali.example.com", validate_type="DNS")).body
assert isinstance(order.order_id, int), order.order_id
step("CreateCertificateRequest", order.order_id)
state = c.describe_certificate_state(models.DescribeCertificateStateRequest(order_id=order.order_id)).body
assert state.type == "domain_verify", state.to_map()
with open(os.path.join(out, "record.txt"), "w") as f:
    f.write("%s %s %s\n" % (state.record_type, state.record_domain, state.record_value))
step("DescribeCertificateState", state.record_type)
assert used() == before + 1
step("DescribePackageState", before + 1)
listed = c.list_user_certificate_order(models.ListUserCertificateOrderRequest(status="CHECKING")).body
assert listed.total_count == 1 and listed.certificate_order_list[0].order_id == order.order_id, listed.to_map()
step("ListUserCertificateOrder", listed.total_count)
c.cancel_order_request(models.CancelOrderRequestRequest(order_id=order.order_id))
assert c.describe_certificate_state(models.DescribeCertificateStateRequest(order_id=order.order_id)).body.type == "payed"
step("CancelOrderRequest -> payed")
c.delete_certificate_request(models.DeleteCertificateRequestRequest(order_id=order.order_id))
assert used() == before, "the quota place comes back"
step("DeleteCertificateRequest")

expect_error("SignatureDoesNotMatch", lambda: client(secret="wrong").list_csr(models.ListCsrRequest()), status=400)
expect_error("InvalidAccessKeyId.NotFound", lambda: client(kid="LTAInobody").list_csr(models.ListCsrRequest()), status=404)
expect_error("NotFound", lambda: c.get_csr_detail(models.GetCsrDetailRequest(csr_id=999999)), status=404)
expect_error("InvalidParameter",
             lambda: c.create_csr(models.CreateCsrRequest(algorithm="ECC", key_size=256, common_name="www.example.com",
                                                          country_code="China", province="Zhejiang", locality="Hangzhou")),
             status=400, contains="CountryCode")
# Another account reaches none of this one's records.
other = client(kid=other_id, secret=other_secret)
for fn in [lambda: other.get_csr_detail(models.GetCsrDetailRequest(csr_id=made.csr_id)),
           lambda: other.describe_certificate_state(models.DescribeCertificateStateRequest(order_id=order.order_id))]:
    try:
        fn()
        raise AssertionError("another account reached a record")
    except AlibabaCloudException as e:
        assert e.code == "NotFound", e.code
print("ok other account: NotFound", flush=True)
assert other.list_csr(models.ListCsrRequest()).body.total_count == 0

# A replayed nonce: the first request with it is taken, the second refused.
real_nonce = Utils.get_nonce
Utils.get_nonce = staticmethod(lambda: "replayed-nonce-0001")
try:
    c.list_csr(models.ListCsrRequest())
    expect_error("SignatureNonceUsed", lambda: c.list_csr(models.ListCsrRequest()), status=400)
finally:
    Utils.get_nonce = real_nonce
# A request dated 20 minutes ago.
real_timestamp = Utils.get_timestamp
Utils.get_timestamp = staticmethod(
    lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1200)))
try:
    expect_error("InvalidTimeStamp.Expired", lambda: c.list_csr(models.ListCsrRequest()), status=400)
finally:
    Utils.get_timestamp = real_timestamp
# An action CAS does not have.
params = open_api_util_models.Params(action="NoSuchAction", version="2020-04-07", protocol="HTTPS",
                                     pathname="/", method="POST", auth_type="AK", style="RPC",
                                     req_body_type="formData", body_type="json")
expect_error("InvalidAction.NotFound",
             lambda: c.call_api(params, open_api_util_models.OpenApiRequest(query={}), RuntimeOptions()),
             status=404)
print("done", flush=True)
