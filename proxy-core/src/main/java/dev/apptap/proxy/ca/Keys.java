package dev.apptap.proxy.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/** Key generation and the small key facts the CA and the minter share. */
final class Keys {

    static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {
    }

    /** P-256 rather than RSA: generation costs about a millisecond instead of a hundred. */
    static KeyPair newEcP256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JVM cannot generate EC P-256 keys, which apptap needs for its certificates.", e);
        }
    }

    /** The signature algorithm for certificates issued with {@code key}; a user-supplied CA may be RSA. */
    static String signatureAlgorithm(PrivateKey key) {
        switch (key.getAlgorithm()) {
            case "EC":
            case "ECDSA":
                return "SHA256withECDSA";
            case "RSA":
                return "SHA256withRSA";
            default:
                throw new IllegalArgumentException("apptap can sign with EC or RSA keys, not with " + key.getAlgorithm() + " keys.");
        }
    }

    /** Comparing encodings is not enough across providers, so prove possession by signing. */
    static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            String algorithm = signatureAlgorithm(privateKey);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Positive and unpredictable, as RFC 5280 and the CA/Browser Forum ask; 128 bits fit the 20-octet limit. */
    static BigInteger randomSerial() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        BigInteger serial = new BigInteger(1, bytes);
        return serial.signum() == 0 ? BigInteger.ONE : serial;
    }
}
