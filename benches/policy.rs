//! What the rule engine costs next to the work it guards: checking a 100-SAN request against a
//! profile, in the same run as generating one ec-p256 key and CSR, so the report reads as a
//! fraction of a generation.
//!
//! - `policy/check_form_100_sans/<profile>`: a form as typed (100 SANs as text) checked and
//!   turned into a typed request;
//! - `policy/check_request_100_sans/baseline`: the typed request checked again;
//! - `policy/check_csr_100_sans/baseline`: the CSR made from it, as an upload;
//! - `policy/ec_p256_generate`: one ec-p256 key and CSR (the yardstick);
//! - `policy/vendor_validate/alibaba_create_csr_100_sans`: the same names as an Alibaba
//!   `CreateCsr` JSON body, decoded and checked.
//!
//! Run with `cargo bench --bench policy`.

use std::hint::black_box;

use certdesk::cloud::Api;
use certdesk::policy::{CsrForm, Profile};
use certdesk::{CsrRequest, KeySpec, Subject};
use criterion::{Criterion, criterion_group, criterion_main};

fn sans() -> Vec<String> {
    (0..99)
        .map(|i| format!("host-{i}.shop{}.example.com", i % 7))
        .chain(["203.0.114.9".to_owned()])
        .collect()
}

fn form() -> CsrForm {
    CsrForm {
        common_name: Some("www.example.com".into()),
        organization: Some("Example Co., Ltd.".into()),
        state: Some("Guangdong".into()),
        locality: Some("Shenzhen".into()),
        country: Some("CN".into()),
        sans: sans(),
        key: Some("ec-p256".into()),
        ..CsrForm::default()
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("policy");
    let form = form();
    for profile in [Profile::baseline(), Profile::alibaba_console()] {
        assert!(profile.check_form(&form).is_ok(), "{}", profile.id);
        group.bench_function(format!("check_form_100_sans/{}", profile.id), |b| {
            b.iter(|| black_box(profile.check_form(black_box(&form)).is_ok()))
        });
    }
    let baseline = Profile::baseline();
    let (request, _) = baseline.check_form(&form).unwrap();
    assert_eq!(request.sans().len(), 101);
    group.bench_function("check_request_100_sans/baseline", |b| {
        b.iter(|| black_box(baseline.check_request(black_box(&request)).is_valid()))
    });
    let (csr, _) = request.generate().unwrap();
    group.bench_function("check_csr_100_sans/baseline", |b| {
        b.iter(|| black_box(baseline.check_csr(black_box(csr.info())).is_valid()))
    });

    let small = CsrRequest::builder()
        .subject(
            Subject::builder()
                .common_name("www.example.com")
                .country("CN")
                .build()
                .unwrap(),
        )
        .key_spec(KeySpec::EcP256)
        .build()
        .unwrap();
    group.bench_function("ec_p256_generate", |b| {
        b.iter(|| black_box(small.generate().unwrap()))
    });

    let body = serde_json::json!({
        "Algorithm": "ECC", "KeySize": 256, "CommonName": "www.example.com",
        "Sans": sans().join(","), "CountryCode": "CN", "Province": "Guangdong",
        "Locality": "Shenzhen",
    })
    .to_string();
    assert!(Api::AlibabaCreateCsr.validate(body.as_bytes()).valid);
    group.bench_function("vendor_validate/alibaba_create_csr_100_sans", |b| {
        b.iter(|| {
            black_box(
                Api::AlibabaCreateCsr
                    .validate(black_box(body.as_bytes()))
                    .valid,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
