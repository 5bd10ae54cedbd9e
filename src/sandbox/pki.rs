//! Certificates and keys for the sandbox: one CA, the API server's serving
//! certificate, one client certificate per identity, and the ServiceAccount
//! signing key; and apart from those, etcd's own CA, its serving (and peer)
//! certificate and the one client certificate etcd accepts, the API
//! server's. With a CA of its own, no persona's certificate opens etcd.
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
    pub etcd_ca_pem: String,
    /// etcd's serving and peer certificate.
    pub etcd_server: CertPair,
    /// The API server's client certificate for etcd.
    pub etcd_client: CertPair,
}

fn new_ca(common_name: &str) -> Result<CertifiedIssuer<'static, KeyPair>> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate()?)
        .with_context(|| format!("generating the CA {common_name}"))
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    common_name: &str,
    names: &[&str],
    purposes: Vec<ExtendedKeyUsagePurpose>,
) -> Result<CertPair> {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
    if !names.is_empty() {
        params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    }
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = purposes;
    let key = KeyPair::generate()?;
    let cert = params
        .signed_by(&key, issuer)
        .with_context(|| format!("signing the certificate of {common_name}"))?;
    Ok(CertPair {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

impl Pki {
    pub fn generate() -> Result<Self> {
        let ca = new_ca("tenantry-sandbox-ca")?;
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

        let etcd_ca = new_ca("tenantry-sandbox-etcd-ca")?;
        let etcd_server = leaf(
            &etcd_ca,
            "etcd",
            &["localhost"],
            vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ],
        )?;
        let etcd_client = leaf(
            &etcd_ca,
            "kube-apiserver-etcd-client",
            &[],
            vec![ExtendedKeyUsagePurpose::ClientAuth],
        )?;

        let sa_key = KeyPair::generate()?;
        Ok(Self {
            etcd_ca_pem: etcd_ca.pem(),
            etcd_server,
            etcd_client,
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
        write_private(&dir.join(ETCD_CA), &self.etcd_ca_pem)?;
        write_private(&dir.join(ETCD_SERVER_CERT), &self.etcd_server.cert_pem)?;
        write_private(&dir.join(ETCD_SERVER_KEY), &self.etcd_server.key_pem)?;
        write_private(&dir.join(ETCD_CLIENT_CERT), &self.etcd_client.cert_pem)?;
        write_private(&dir.join(ETCD_CLIENT_KEY), &self.etcd_client.key_pem)?;
        Ok(())
    }
}

/// File names in the sandbox dir of etcd's CA, certificates and keys.
pub const ETCD_CA: &str = "etcd-ca.crt";
pub const ETCD_SERVER_CERT: &str = "etcd-server.crt";
pub const ETCD_SERVER_KEY: &str = "etcd-server.key";
pub const ETCD_CLIENT_CERT: &str = "apiserver-etcd-client.crt";
pub const ETCD_CLIENT_KEY: &str = "apiserver-etcd-client.key";

/// Writes a file readable only by its owner: it may hold a private key.
/// The contents go to a new 0600 file beside it, which then replaces
/// `path`: a file of that name that was there before (with looser modes,
/// or a symlink) is replaced, never written through.
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // tempfile creates its files with mode 0600.
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    file.persist(path)
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
        assert_ne!(pki.etcd_ca_pem, pki.ca_pem, "etcd trusts no persona");
    }

    #[test]
    fn private_files_are_0600_even_when_a_looser_one_was_there() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.kubeconfig");
        std::fs::write(&path, "old contents, longer than the new ones").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");

        // A symlink of that name is replaced, not written through.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "untouched").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("alice.kubeconfig");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_private(&link, "key").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}
