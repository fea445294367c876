package dev.apptap.proxy.engine;

import dev.apptap.flow.Headers;

/**
 * One HTTP/1 message head as {@link Http1HeadParser} read it: the strings the flow records (made once per message)
 * and the facts that frame the body and the connection, found while the fields were read.
 *
 * @param length        how many bytes the head takes, up to and including its empty line
 * @param method        the request's method, or {@code null} for a response
 * @param target        the request target as sent, or {@code null} for a response
 * @param status        the response's status code, or 0 for a request
 * @param reason        the response's reason phrase, or {@code null} for a request
 * @param version       {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers       the header fields in order
 * @param contentLength the Content-Length, or -1 when there is none
 * @param chunked       whether Transfer-Encoding ends in {@code chunked}
 * @param otherCoding   whether Transfer-Encoding names a coding other than a final {@code chunked}
 * @param keepAlive     whether the connection stays open after this message (version and Connection agree)
 * @param host          the Host field's value, or {@code null}
 */
record Http1Head(int length, String method, String target, int status, String reason, String version,
                 Headers headers, long contentLength, boolean chunked, boolean otherCoding, boolean keepAlive,
                 String host) {
}
