//! Certificates and keys for the sandbox: one CA, the API server's serving
//! certificate, one client certificate per identity, and the ServiceAccount
//! signing key.
//!
//! rustls (used by kube-rs) rejects X.509 v1 certificates, so every
//! certificate carries v3 extensions (basic constraints, key usages, SANs);
//! rcgen produces exactly that, in Rust, without an openssl binary.

use std::path::Path;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// A certificate and its private key, both PEM.
#[derive(Debug, Clone)]
pub struct CertPair {
    pub cert_pem: String,
    pub key_pem: String,
}

/// Everything the sandbox needs to authenticate its parts to each other.
pub struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    pub ca_pem: String,
    pub serving: CertPair,
    pub service_account_key_pem: String,
    pub service_account_public_pem: String,
}

impl Pki {
    pub fn generate() -> Result<Self> {
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tenantry-sandbox-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)
            .context("generating the sandbox CA")?;
        let ca_pem = ca.pem();

        let mut serving_params = CertificateParams::new(vec![
            "localhost".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
        ])?;
        serving_params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        serving_params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        serving_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let serving_key = KeyPair::generate()?;
        let serving_cert = serving_params
            .signed_by(&serving_key, &ca)
            .context("signing the API server certificate")?;

        let sa_key = KeyPair::generate()?;
        Ok(Self {
            ca,
            ca_pem,
            serving: CertPair {
                cert_pem: serving_cert.pem(),
                key_pem: serving_key.serialize_pem(),
            },
            service_account_public_pem: sa_key.public_key_pem(),
            service_account_key_pem: sa_key.serialize_pem(),
        })
    }

    /// A client certificate: the API server maps CN to the user name and
    /// each O to a group.
    pub fn client(&self, user: &str, groups: &[&str]) -> Result<CertPair> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, user);
        for group in groups {
            params
                .distinguished_name
                .push(DnType::OrganizationName, *group);
        }
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate()?;
        let cert = params
            .signed_by(&key, &self.ca)
            .with_context(|| format!("signing the client certificate of {user}"))?;
        Ok(CertPair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Writes the files the control-plane processes read.
    pub fn write_files(&self, dir: &Path) -> Result<()> {
        write_private(&dir.join("ca.crt"), &self.ca_pem)?;
        write_private(&dir.join("apiserver.crt"), &self.serving.cert_pem)?;
        write_private(&dir.join("apiserver.key"), &self.serving.key_pem)?;
        write_private(&dir.join("sa.key"), &self.service_account_key_pem)?;
        write_private(&dir.join("sa.pub"), &self.service_account_public_pem)?;
        Ok(())
    }
}

/// Writes a file readable only by its owner: it may hold a private key.
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_pem_material() {
        let pki = Pki::generate().unwrap();
        assert!(pki.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pki.serving.key_pem.contains("PRIVATE KEY"));
        let alice = pki.client("alice", &["tenantry:users"]).unwrap();
        assert!(alice.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(alice.cert_pem, pki.serving.cert_pem);
    }
}
