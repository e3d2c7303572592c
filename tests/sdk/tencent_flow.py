"""Tencent's official SDK (tencentcloud-sdk-python-intl-en), unmodified, against certdesk's
server: CSRs created, described, listed, modified and deleted; a free certificate from
application through DNS validation to download; and the SDK's exceptions for each refusal.

usage: python tencent_flow.py ENDPOINT SECRET_ID SECRET_KEY OUT_DIR OTHER_ID OTHER_SECRET
(the last two: a key pair of another account, which must reach none of the first's records)
Prints one line per step; exits non-zero on the first failure.
"""
import base64
import json
import os
import sys
import time

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.common_client import CommonClient
from tencentcloud.ssl.v20191205 import models, ssl_client

endpoint, secret_id, secret_key, out, other_id, other_secret = sys.argv[1:7]


def client(sid=secret_id, skey=secret_key, method="POST"):
    hp = HttpProfile(protocol="http", endpoint=endpoint, reqMethod=method, reqTimeout=30)
    return ssl_client.SslClient(credential.Credential(sid, skey), "ap-guangzhou", ClientProfile(httpProfile=hp))


def req(model, **fields):
    r = getattr(models, model)()
    r.from_json_string(json.dumps(fields))
    return r


def step(name, value=""):
    print("ok", name, value, flush=True)


def expect_error(code, fn, contains=None):
    try:
        fn()
    except TencentCloudSDKException as e:
        assert e.get_code() == code, (code, e.get_code(), e.get_message())
        if contains:
            assert contains in e.get_message(), (contains, e.get_message())
        assert e.get_request_id(), "no request id"
        step("error " + code, e.get_message()[:60])
        return
    raise AssertionError("expected " + code)


c = client()
# CSRs: create (generated), describe, list (POST and GET), modify a draft, delete.
made = c.CreateCSR(req("CreateCSRRequest", Domain="www.example.com", Organization="Example Org",
                       Department="IT", Email="admin@example.com", Province="Guangdong",
                       City="Shenzhen", Country="CN", EncryptAlgo="ECC", KeyParameter="prime256v1",
                       Generate=True, Remark="sdk"))
assert isinstance(made.Id, int), made.Id
step("CreateCSR", made.Id)
d = c.DescribeCSR(req("DescribeCSRRequest", CSRId=made.Id))
assert d.CSR.startswith("-----BEGIN CERTIFICATE REQUEST-----"), d.CSR[:40]
assert "PRIVATE KEY" in d.PrivateKey
step("DescribeCSR", d.Domain)
listed = c.DescribeCSRSet(req("DescribeCSRSetRequest", Limit=10))
assert listed.Total == 1 and listed.Set[0].Id == made.Id, listed.to_json_string()
listed = client(method="GET").DescribeCSRSet(req("DescribeCSRSetRequest", Limit=10, Offset=0, Domain="www.example.com"))
assert listed.Total == 1, listed.to_json_string()
step("DescribeCSRSet GET", listed.Total)
draft = c.CreateCSR(req("CreateCSRRequest", Domain="draft.example.com", Organization="Example Org",
                        Department="IT", Email="admin@example.com", Province="Guangdong",
                        City="Shenzhen", Country="CN", EncryptAlgo="RSA", KeyParameter="2048",
                        Generate=False))
c.ModifyCSR(req("ModifyCSRRequest", CSRId=draft.Id, City="Guangzhou", Generate=False))
assert c.DescribeCSR(req("DescribeCSRRequest", CSRId=draft.Id)).City == "Guangzhou"
step("ModifyCSR", draft.Id)
deleted = c.BatchDeleteCSR(req("BatchDeleteCSRRequest", CSRIds=[draft.Id]))
step("BatchDeleteCSR", deleted.Success)

# A free certificate: DNS_AUTO, checked, issued by the CA, downloaded.
applied = c.ApplyCertificate(req("ApplyCertificateRequest", DvAuthMethod="DNS_AUTO",
                                 DomainName="shop.example.com", ContactEmail="ops@example.com"))
cert_id = applied.CertificateId
assert isinstance(cert_id, str), cert_id
step("ApplyCertificate", cert_id)
checked = c.CheckCertificateDomainVerification(req("CheckCertificateDomainVerificationRequest", CertificateId=cert_id))
assert checked.VerificationResults[0].LocalCheck == 1, checked.to_json_string()
step("CheckCertificateDomainVerification", checked.VerificationResults[0].LocalCheck)
status = None
for _ in range(5):
    # CompleteCertificate is in Tencent's China SDK; the international SDK calls it generically.
    CommonClient("ssl", "2019-12-05", credential.Credential(secret_id, secret_key), "ap-guangzhou",
                 profile=ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
                 ).call_json("CompleteCertificate", {"CertificateId": cert_id})
    status = c.DescribeCertificate(req("DescribeCertificateRequest", CertificateId=cert_id)).Status
    if status == 1:
        break
assert status == 1, status
step("issued", status)
detail = c.DescribeCertificateDetail(req("DescribeCertificateDetailRequest", CertificateId=cert_id))
assert detail.CertificatePublicKey.startswith("-----BEGIN CERTIFICATE-----")
listed = c.DescribeCertificates(req("DescribeCertificatesRequest", CertificateStatus=[1], Limit=20))
assert listed.TotalCount == 1 and listed.Certificates[0].CertificateId == cert_id, listed.to_json_string()
step("DescribeCertificates", listed.TotalCount)
dl = c.DownloadCertificate(req("DownloadCertificateRequest", CertificateId=cert_id))
assert dl.ContentType == "application/zip"
with open(os.path.join(out, "cert.zip"), "wb") as f:
    f.write(base64.b64decode(dl.Content))
step("DownloadCertificate", len(dl.Content))

# Refusals, as the SDK raises them.
expect_error("AuthFailure.SignatureFailure",
             lambda: client(skey="wrong").DescribeCSRSet(req("DescribeCSRSetRequest")))
expect_error("AuthFailure.SecretIdNotFound",
             lambda: client(sid="AKIDnobody").DescribeCSRSet(req("DescribeCSRSetRequest")))
expect_error("InvalidAction",
             lambda: CommonClient("ssl", "2019-12-05", credential.Credential(secret_id, secret_key), "ap-guangzhou",
                                  profile=ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint))
                                  ).call_json("NoSuchAction", {}))
expect_error("FailedOperation.InvalidParam",
             lambda: c.CreateCSR(req("CreateCSRRequest", Domain="www.example.com", Organization="Example Org",
                                     Department="IT", Email="admin@example.com", Province="Guangdong",
                                     City="Shenzhen", Country="China", EncryptAlgo="ECC",
                                     KeyParameter="prime256v1", Generate=False)),
             contains="Country")
# Another account reaches none of this one's records.
other = client(sid=other_id, skey=other_secret)
for code, fn in [
        ("InvalidParameter.InvalidCSRId", lambda: other.DescribeCSR(req("DescribeCSRRequest", CSRId=made.Id))),
        ("FailedOperation.CertificateNotFound",
         lambda: other.DescribeCertificate(req("DescribeCertificateRequest", CertificateId=cert_id)))]:
    try:
        fn()
        raise AssertionError("another account reached a record")
    except TencentCloudSDKException as e:
        assert e.get_code() == code, (code, e.get_code())
    print("ok other account:", code, flush=True)
assert other.DescribeCSRSet(req("DescribeCSRSetRequest")).Total == 0
assert other.DescribeCertificates(req("DescribeCertificatesRequest")).TotalCount == 0
# An expired timestamp: the SDK's clock moved back 10 minutes.
real = time.time
time.time = lambda: real() - 600
try:
    expect_error("AuthFailure.SignatureExpire", lambda: c.DescribeCSRSet(req("DescribeCSRSetRequest")))
finally:
    time.time = real
print("done", flush=True)
