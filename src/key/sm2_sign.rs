//! SM2 signing (GB/T 32918.2-2016 section 6.1) with every copy of the secret zeroized.
//!
//! The `sm2` crate's `dsa::SigningKey` neither zeroizes its copy of the secret scalar on drop
//! nor can be built without a fresh scalar multiplication per key, so signing is done here over
//! the crate's constant-time field arithmetic; verification stays with `sm2::dsa::VerifyingKey`,
//! and the test suite checks every signature against it and against OpenSSL.

use elliptic_curve::Generate;
use elliptic_curve::PrimeField;
use elliptic_curve::group::Group;
use elliptic_curve::ops::Reduce;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::ToSec1Point;
use rand_core::CryptoRng;
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

use sm2::{FieldBytes, NonZeroScalar, ProjectivePoint, Scalar};

/// Curve coefficients and base point of `sm2p256v1` (GB/T 32918.5-2017), big-endian.
const A: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
const B: [u8; 32] = hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const GX: [u8; 32] = hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const GY: [u8; 32] = hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not an upper-case hex digit"),
    }
}

/// `Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)`. The caller checks that
/// the ID's bit length fits 16 bits.
pub(crate) fn identity_hash(distid: &[u8], public: &sm2::PublicKey) -> [u8; 32] {
    let entl = u16::try_from(distid.len() * 8).unwrap_or(u16::MAX);
    let point = public.to_sec1_point(false);
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(distid);
    h.update(A);
    h.update(B);
    h.update(GX);
    h.update(GY);
    h.update(point.x().map(|x| x.as_slice()).unwrap_or_default());
    h.update(point.y().map(|y| y.as_slice()).unwrap_or_default());
    h.finalize().into()
}

/// An SM2 private key ready to sign: the secret, its public point, `(1 + d)^-1` and `Z_A` for
/// the default distinguishing ID, all computed once. Every secret field zeroizes on drop.
pub(crate) struct Sm2Signer {
    secret: sm2::SecretKey,
    public: sm2::PublicKey,
    d_plus_1_inv: Zeroizing<Scalar>,
    default_z: [u8; 32],
}

impl zeroize::ZeroizeOnDrop for Sm2Signer {}

impl Sm2Signer {
    /// Prepares `secret`; refuses `d = n - 1`, which GB/T 32918.1 excludes (`1 + d` has no inverse).
    pub(crate) fn new(secret: sm2::SecretKey) -> Result<Self, signature::Error> {
        let public = secret.public_key();
        let d = Zeroizing::new(secret.to_nonzero_scalar());
        let d_plus_1_inv = Zeroizing::new(
            Option::<Scalar>::from((Scalar::ONE + d.as_ref()).invert())
                .ok_or_else(signature::Error::new)?,
        );
        let default_z = identity_hash(crate::DEFAULT_SM2_DISTID.as_bytes(), &public);
        Ok(Sm2Signer {
            secret,
            public,
            d_plus_1_inv,
            default_z,
        })
    }

    pub(crate) fn secret(&self) -> &sm2::SecretKey {
        &self.secret
    }

    pub(crate) fn public(&self) -> &sm2::PublicKey {
        &self.public
    }

    /// Signs `message` as SM2-with-SM3 with distinguishing ID `distid`, `k` drawn from `rng`.
    pub(crate) fn sign<R: CryptoRng + ?Sized>(
        &self,
        distid: &[u8],
        message: &[u8],
        rng: &mut R,
    ) -> Result<sm2::dsa::Signature, signature::Error> {
        // A1-A2: e = SM3(Z_A || M).
        let z = if distid == crate::DEFAULT_SM2_DISTID.as_bytes() {
            self.default_z
        } else {
            identity_hash(distid, &self.public)
        };
        let e_bytes: FieldBytes = Sm3::new().chain_update(z).chain_update(message).finalize();
        let e = <Scalar as Reduce<FieldBytes>>::reduce(&e_bytes);
        let d = Zeroizing::new(self.secret.to_nonzero_scalar());
        // A3-A6, repeated in the (probability ~2^-256) cases the standard says to retry.
        for _ in 0..16 {
            let k = Zeroizing::new(NonZeroScalar::generate_from_rng(rng));
            let k_scalar: &Scalar = &k;
            let x1 = ProjectivePoint::mul_by_generator(k_scalar).to_affine().x();
            let r = e + <Scalar as Reduce<FieldBytes>>::reduce(&x1);
            if bool::from(r.is_zero()) || bool::from((r + k.as_ref()).is_zero()) {
                continue;
            }
            let rd = Zeroizing::new(r * d.as_ref());
            let s = *self.d_plus_1_inv * (*k.as_ref() - *rd);
            if bool::from(s.is_zero()) {
                continue;
            }
            return sm2::dsa::Signature::from_scalars(r.to_repr(), s.to_repr());
        }
        Err(signature::Error::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signature::Verifier;

    #[test]
    fn base_point_constants_are_the_curve_generator() {
        let g = sm2::AffinePoint::GENERATOR.to_sec1_point(false);
        assert_eq!(g.x().unwrap().as_slice(), GX);
        assert_eq!(g.y().unwrap().as_slice(), GY);
    }

    #[test]
    fn signatures_verify_with_the_sm2_crate_and_fail_when_altered() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        for distid in ["1234567812345678", "", "another id"] {
            let signer = Sm2Signer::new(sm2::SecretKey::generate_from_rng(&mut rng)).unwrap();
            let public = *signer.public();
            let sig = signer
                .sign(distid.as_bytes(), b"message", &mut rng)
                .unwrap();
            let vk = sm2::dsa::VerifyingKey::new(distid, public).unwrap();
            assert!(vk.verify(b"message", &sig).is_ok(), "{distid:?}");
            assert!(vk.verify(b"messagf", &sig).is_err());
            let other = sm2::dsa::VerifyingKey::new("x", public).unwrap();
            assert!(other.verify(b"message", &sig).is_err());
        }
    }
}
