//! The vendors' product codes as data: Tencent's `ProductId` (`CreateCertificate`) and
//! Alibaba's `ProductCode`, each to the [`Product`] it sells.

use crate::order::{AlgorithmStandard, Brand, DomainType, Product, ValidationType};

use AlgorithmStandard::{Gm, International as Intl};
use Brand::*;
use DomainType::{Multiple, Single, Wildcard};
use ValidationType::*;

/// Tencent's paid products by `ProductId` (the `CreateCertificate` reference). The ids for
/// wildcard multi-domain products (21, 23, 42) are not sold: certdesk's products bind either
/// several names or one wildcard.
const TENCENT: &[(i64, Brand, ValidationType, DomainType, AlgorithmStandard)] = &[
    (3, SecureSite, EvPro, Single, Intl),
    (4, SecureSite, Ev, Single, Intl),
    (5, SecureSite, OvPro, Single, Intl),
    (6, SecureSite, Ov, Single, Intl),
    (7, SecureSite, Ov, Wildcard, Intl),
    (8, GeoTrust, Ev, Single, Intl),
    (9, GeoTrust, Ov, Single, Intl),
    (10, GeoTrust, Ov, Wildcard, Intl),
    (11, TrustAsia, Dv, Multiple, Intl),
    (12, TrustAsia, Dv, Wildcard, Intl),
    (13, TrustAsia, Ov, Wildcard, Intl),
    (14, TrustAsia, Ov, Single, Intl),
    (15, TrustAsia, Ov, Multiple, Intl),
    (16, TrustAsia, Ev, Single, Intl),
    (17, TrustAsia, Ev, Multiple, Intl),
    (18, GlobalSign, Ov, Single, Intl),
    (19, GlobalSign, Ov, Wildcard, Intl),
    (20, GlobalSign, Ev, Single, Intl),
    (22, GlobalSign, Ov, Multiple, Intl),
    (24, GlobalSign, Ev, Multiple, Intl),
    (25, WoTrus, Dv, Single, Intl),
    (26, WoTrus, Dv, Multiple, Intl),
    (27, WoTrus, Dv, Wildcard, Intl),
    (28, WoTrus, Ov, Single, Intl),
    (29, WoTrus, Ov, Multiple, Intl),
    (30, WoTrus, Ov, Wildcard, Intl),
    (31, WoTrus, Ev, Single, Intl),
    (32, WoTrus, Ev, Multiple, Intl),
    (33, WoTrus, Dv, Single, Gm),
    (34, WoTrus, Dv, Multiple, Gm),
    (35, WoTrus, Dv, Wildcard, Gm),
    (37, WoTrus, Ov, Single, Gm),
    (38, WoTrus, Ov, Multiple, Gm),
    (39, WoTrus, Ov, Wildcard, Gm),
    (40, WoTrus, Ev, Single, Gm),
    (41, WoTrus, Ev, Multiple, Gm),
    (43, DnsPod, Ov, Single, Intl),
    (44, DnsPod, Ov, Wildcard, Intl),
    (45, DnsPod, Ov, Multiple, Intl),
    (46, DnsPod, Ev, Single, Intl),
    (47, DnsPod, Ev, Multiple, Intl),
    (48, DnsPod, Dv, Single, Intl),
    (49, DnsPod, Dv, Wildcard, Intl),
    (50, DnsPod, Dv, Multiple, Intl),
];

/// Tencent's package type of the free TrustAsia DV certificate.
pub(crate) const TENCENT_FREE_PACKAGE: i64 = 2;

/// The paid product Tencent's `ProductId` sells.
pub(crate) fn tencent_product(id: i64) -> Option<Product> {
    TENCENT
        .iter()
        .find(|row| row.0 == id)
        .map(|&(_, brand, validation, domains, standard)| {
            Product::paid(brand, validation, domains, standard)
        })
}

/// The `ProductId` (Tencent's `PackageType`) of a product: 2 for the free certificate.
pub(crate) fn tencent_product_id(product: &Product) -> Option<i64> {
    if product.free {
        return Some(TENCENT_FREE_PACKAGE);
    }
    TENCENT
        .iter()
        .find(|&&(_, b, v, d, s)| {
            (b, v, d, s)
                == (
                    product.brand,
                    product.validation,
                    product.domain_type,
                    product.standard,
                )
        })
        .map(|row| row.0)
}

/// Alibaba's product codes certdesk sells: the free DV certificate (the order service's free
/// product) and paid DV certificates.
pub const ALIBABA_PRODUCT_CODES: &[&str] = &[
    "digicert-free-1-free",
    "symantec-free-1-free",
    "geotrust-dv-1-starter",
    "geotrust-dv-w-starter",
    "globalsign-dv-1-personal",
    "globalsign-dv-w-advanced",
];

/// The free product's code, Alibaba's default.
pub(crate) const ALIBABA_FREE_CODE: &str = "digicert-free-1-free";

/// What an Alibaba product code sells: `Some(None)` for the free certificate (the order
/// service's free product), `Some(Some(product))` for a paid one.
pub(crate) fn alibaba_product(code: &str) -> Option<Option<Product>> {
    let paid = |brand, domains| Some(Some(Product::paid(brand, Dv, domains, Intl)));
    match code {
        "digicert-free-1-free" | "symantec-free-1-free" => Some(None),
        "geotrust-dv-1-starter" => paid(GeoTrust, Single),
        "geotrust-dv-w-starter" => paid(GeoTrust, Wildcard),
        "globalsign-dv-1-personal" => paid(GlobalSign, Single),
        "globalsign-dv-w-advanced" => paid(GlobalSign, Wildcard),
        _ => None,
    }
}

/// The Alibaba product code of a product.
pub(crate) fn alibaba_product_code(product: &Product) -> &'static str {
    if product.free {
        return ALIBABA_FREE_CODE;
    }
    ALIBABA_PRODUCT_CODES
        .iter()
        .copied()
        .find(|code| alibaba_product(code) == Some(Some(product.clone())))
        .unwrap_or("certdesk-paid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tencent_product_id_maps_back_to_itself() {
        for row in TENCENT {
            let product = tencent_product(row.0).unwrap();
            assert_eq!(tencent_product_id(&product), Some(row.0));
        }
        assert_eq!(tencent_product(21), None);
    }

    #[test]
    fn every_alibaba_code_maps_back_to_itself() {
        for code in ALIBABA_PRODUCT_CODES.iter().skip(2) {
            let product = alibaba_product(code).unwrap().unwrap();
            assert_eq!(alibaba_product_code(&product), *code);
        }
        assert_eq!(alibaba_product("nope"), None);
    }
}
