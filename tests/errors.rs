//! The error design: every layer's error gives its stable code through [`Coded`], and backend
//! errors keep their cause as the error's source.

use std::error::Error as _;

use certdesk::backend::{BackendError, StoreError};
use certdesk::{Coded, Csr, CsrRequest, KeySpec, PrivateKey, Subject};

#[test]
fn backend_errors_keep_their_cause() {
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "disk says no");
    let e = StoreError::Backend(BackendError::new(io));
    assert_eq!(e.code(), "store.backend");
    let source = e.source().expect("the backend error is the source");
    let cause = source.source().expect("the io error is kept under it");
    let io = cause
        .downcast_ref::<std::io::Error>()
        .expect("the cause is the io::Error itself");
    assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(e.to_string().contains("disk says no"), "{e}");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn a_sqlite_failure_keeps_the_sqlx_error_as_its_source() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the database file should be: SQLite cannot open it.
    let e = match certdesk::backend::SqliteStore::open(dir.path()).await {
        Ok(_) => panic!("a directory opened as a SQLite database"),
        Err(e) => e,
    };
    assert_eq!(e.code(), "store.backend", "{e}");
    let mut chain = 0;
    let mut cur: Option<&dyn std::error::Error> = e.source();
    while let Some(s) = cur {
        chain += 1;
        cur = s.source();
    }
    assert!(
        chain >= 2,
        "the cause under the backend error is lost: {e:?}"
    );
}

#[test]
fn every_layer_answers_through_coded() {
    fn code(e: &dyn Coded) -> &'static str {
        e.code()
    }
    let csr = Csr::parse(b"not a csr").unwrap_err();
    assert_eq!(code(&csr), "not_a_csr");
    let key = PrivateKey::from_pem_or_der(b"").unwrap_err();
    assert_eq!(code(&key), "key.empty");
    let spec = "rsa1024".parse::<KeySpec>().unwrap_err();
    assert_eq!(code(&spec), "key_spec.unknown");
    let subject = Subject::builder().country("China").build().unwrap_err();
    assert_eq!(code(&subject), "subject.invalid");
    let request = CsrRequest::builder().build().unwrap_err();
    assert_eq!(code(&request), "request.empty");
    let all: certdesk::Error = request.into();
    assert_eq!(code(&all), "request.empty");
}
