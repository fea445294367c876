package dev.apptap.proxy.ca;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Locale;

import org.bouncycastle.asn1.ASN1BMPString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1PrintableString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1T61String;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.ASN1UniversalString;
import org.bouncycastle.asn1.ASN1VisibleString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * OpenSSL's {@code X509_NAME_hash} ({@code openssl x509 -subject_hash}), the file name OpenSSL looks up in a
 * hashed certificate directory. Computed here rather than by running openssl, which many machines lack.
 *
 * <p>OpenSSL hashes a canonical form of the name (x_name.c, {@code x509_name_canon}): string values become
 * UTF8String, trimmed, with inner whitespace runs collapsed to one space and ASCII letters lower-cased; the DER
 * of each RDN set is concatenated without the outer SEQUENCE; the hash is the first four bytes of its SHA-1,
 * read little-endian.
 */
final class SubjectHash {

    private SubjectHash() {
    }

    static String of(X509Certificate certificate) {
        return of(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()));
    }

    static String of(X500Name name) {
        try {
            ByteArrayOutputStream canonical = new ByteArrayOutputStream();
            for (RDN rdn : name.getRDNs()) {
                ASN1EncodableVector values = new ASN1EncodableVector();
                for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
                    values.add(new AttributeTypeAndValue(value.getType(), canonical(value.getValue())));
                }
                canonical.write(new DERSet(values).getEncoded(ASN1Encoding.DER));
            }
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(canonical.toByteArray());
            long hash = (sha1[0] & 0xffL) | (sha1[1] & 0xffL) << 8 | (sha1[2] & 0xffL) << 16 | (sha1[3] & 0xffL) << 24;
            return String.format(Locale.ROOT, "%08x", hash);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("The subject " + name + " could not be hashed.", e);
        }
    }

    private static ASN1Encodable canonical(ASN1Encodable value) {
        String text = text(value);
        if (text == null) {
            return value;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        int end = utf8.length;
        while (start < end && space(utf8[start])) {
            start++;
        }
        while (end > start && space(utf8[end - 1])) {
            end--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = start; i < end; i++) {
            byte b = utf8[i];
            if (space(b)) {
                out.write(' ');
                while (i + 1 < end && space(utf8[i + 1])) {
                    i++;
                }
            } else if (b >= 'A' && b <= 'Z') {
                out.write(b + ('a' - 'A'));
            } else {
                out.write(b);
            }
        }
        return new DERUTF8String(new String(out.toByteArray(), StandardCharsets.UTF_8));
    }

    /** The string types OpenSSL canonicalises (ASN1_MASK_CANON); anything else is hashed as it is. */
    private static String text(ASN1Encodable value) {
        if (value instanceof ASN1UniversalString) {
            byte[] octets = ((ASN1UniversalString) value).getOctets();
            return new String(octets, Charset.forName("UTF-32BE"));
        }
        if (value instanceof ASN1UTF8String || value instanceof ASN1BMPString || value instanceof ASN1PrintableString
                || value instanceof ASN1T61String || value instanceof ASN1IA5String || value instanceof ASN1VisibleString) {
            return ((ASN1String) value).getString();
        }
        return null;
    }

    /** OpenSSL's ossl_isspace: space, \t, \n, \v, \f, \r. */
    private static boolean space(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }
}
