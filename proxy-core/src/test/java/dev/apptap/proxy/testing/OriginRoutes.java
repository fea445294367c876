package dev.apptap.proxy.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * {@link OriginServer}'s routes. Each request opens an {@link Exchange} that receives the request's body parts;
 * {@link InOrderExchanges} guarantees that exchanges on one connection never overlap.
 */
final class OriginRoutes extends ChannelInboundHandlerAdapter {

    private static final int CHUNK = 16 * 1024;
    private static final byte[] GZIP_BODY = gzip(OriginServer.GZIP_JSON.getBytes(StandardCharsets.UTF_8));

    private Exchange exchange;

    /** Receives one request's body parts (owning them) and answers. */
    private interface Exchange {
        void content(ChannelHandlerContext ctx, HttpContent content);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                respond(ctx, false, text(HttpResponseStatus.BAD_REQUEST,
                        "The request could not be parsed: " + request.decoderResult().cause().getMessage()));
                exchange = null;
                return;
            }
            exchange = route(ctx, request);
        }
        if (msg instanceof HttpContent content) {
            Exchange current = exchange;
            if (current == null) {
                content.release();
                return;
            }
            if (content instanceof LastHttpContent) {
                exchange = null;
            }
            current.content(ctx, content);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Clients in failure tests reset connections on purpose; the server just drops the connection.
        ctx.close();
    }

    private Exchange route(ChannelHandlerContext context, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        HttpMethod method = request.method();
        boolean upload = method.equals(HttpMethod.POST) || method.equals(HttpMethod.PUT);
        String[] segments = path.split("/", -1);
        String route = segments.length > 1 ? segments[1] : "";
        String argument = segments.length > 2 ? segments[2] : null;

        if (route.equals("echo") && upload) {
            return echo(context, request, keepAlive);
        }
        if (route.equals("echo-size") && upload) {
            return echoSize(keepAlive);
        }
        if (!method.equals(HttpMethod.GET)) {
            return afterBody(ctx -> respond(ctx, keepAlive, text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "The origin has no route for " + method + " " + request.uri() + ".")));
        }
        try {
            switch (route) {
                case "hello":
                    return afterBody(ctx -> respond(ctx, keepAlive, text(HttpResponseStatus.OK, OriginServer.HELLO)));
                case "bytes":
                    return afterBody(ctx -> stream(ctx, keepAlive, Long.parseLong(argument), false));
                case "chunked":
                    return afterBody(ctx -> stream(ctx, keepAlive, Long.parseLong(argument), true));
                case "redirect": {
                    int hops = Integer.parseInt(argument);
                    return afterBody(ctx -> respond(ctx, keepAlive, redirect(hops <= 1 ? "/hello" : "/redirect/" + (hops - 1))));
                }
                case "status": {
                    int code = Integer.parseInt(argument);
                    if (code < 200 || code > 599) {
                        break;
                    }
                    return afterBody(ctx -> respond(ctx, keepAlive, status(code)));
                }
                case "gzip":
                    return afterBody(ctx -> respond(ctx, keepAlive, gzipJson()));
                case "headers": {
                    String json = headersJson(request);
                    return afterBody(ctx -> respond(ctx, keepAlive, json(json)));
                }
                case "slow": {
                    long millis = Long.parseLong(argument);
                    return afterBody(ctx -> ctx.executor().schedule(() -> respond(ctx, keepAlive,
                            text(HttpResponseStatus.OK, "answered after " + millis + " ms")), millis, TimeUnit.MILLISECONDS));
                }
                case "close":
                    return afterBody(ChannelHandlerContext::close);
                case "sse": {
                    long gapMillis = Long.parseLong(argument);
                    return afterBody(ctx -> serverSentEvents(ctx, gapMillis));
                }
                default:
                    break;
            }
        } catch (NumberFormatException | NullPointerException e) {
            return afterBody(ctx -> respond(ctx, keepAlive, text(HttpResponseStatus.BAD_REQUEST,
                    "The path " + request.uri() + " needs a number where it has none.")));
        }
        return afterBody(ctx -> respond(ctx, keepAlive, text(HttpResponseStatus.NOT_FOUND,
                "The origin has no route for " + method + " " + request.uri() + ".")));
    }

    /** Answers once the request body (usually empty) has been read and dropped. */
    private static Exchange afterBody(Consumer<ChannelHandlerContext> answer) {
        return (ctx, content) -> {
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (last) {
                answer.accept(ctx);
            }
        };
    }

    private static Exchange echo(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : HttpHeaderValues.APPLICATION_OCTET_STREAM);
        if (HttpUtil.isContentLengthSet(request)) {
            HttpUtil.setContentLength(response, HttpUtil.getContentLength(request));
        } else {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response);
        return (context, content) -> {
            if (content instanceof LastHttpContent) {
                finish(context.writeAndFlush(new DefaultLastHttpContent(content.content())), keepAlive);
            } else {
                context.writeAndFlush(new DefaultHttpContent(content.content()));
            }
        };
    }

    private static Exchange echoSize(boolean keepAlive) {
        MessageDigest digest = BytePattern.sha256();
        long[] received = {0};
        return (ctx, content) -> {
            ByteBuf bytes = content.content();
            received[0] += bytes.readableBytes();
            for (ByteBuffer buffer : bytes.nioBuffers()) {
                digest.update(buffer);
            }
            content.release();
            if (content instanceof LastHttpContent) {
                String sha256 = HexFormat.of().formatHex(digest.digest());
                FullHttpResponse response = text(HttpResponseStatus.OK, received[0] + " " + sha256);
                response.headers().set("X-Received-Bytes", received[0]).set("X-Received-Sha256", sha256);
                respond(ctx, keepAlive, response);
            }
        };
    }

    private static void stream(ChannelHandlerContext ctx, boolean keepAlive, long length, boolean chunked) {
        if (length < 0) {
            throw new NumberFormatException("A length cannot be negative.");
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(response, true);
            response.headers().set(HttpHeaderNames.TRAILER, "X-Checksum");
        } else {
            HttpUtil.setContentLength(response, length);
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.write(response);
        finish(ctx.writeAndFlush(new PatternBody(length, chunked)), keepAlive);
    }

    private static void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, keepAlive);
        finish(ctx.writeAndFlush(response), keepAlive);
    }

    private static void finish(ChannelFuture lastWrite, boolean keepAlive) {
        if (!keepAlive) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    // Responses are built only when sent: one built earlier would leak if the client hung up before its turn.
    private static FullHttpResponse redirect(String location) {
        FullHttpResponse response = text(HttpResponseStatus.FOUND, "Redirecting to " + location + ".");
        response.headers().set(HttpHeaderNames.LOCATION, location);
        return response;
    }

    private static FullHttpResponse status(int code) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(code);
        if (code == 204 || code == 304) {
            return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        }
        return text(status, "status " + code);
    }

    private static FullHttpResponse gzipJson() {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(GZIP_BODY));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        HttpUtil.setContentLength(response, GZIP_BODY.length);
        return response;
    }

    private static FullHttpResponse json(String body) {
        FullHttpResponse response = text(HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return response;
    }

    /** Two Server-Sent Events {@code gapMillis} apart, then the end: for watching a stream while it lasts. */
    private static void serverSentEvents(ChannelHandlerContext ctx, long gapMillis) {
        HttpResponse head = new DefaultHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set("Content-Type", "text/event-stream").set("Transfer-Encoding", "chunked")
                .set("Connection", "close");
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(
                Unpooled.copiedBuffer("data: first\n\n", StandardCharsets.UTF_8)));
        ctx.executor().schedule(() -> {
            ctx.write(new DefaultHttpContent(
                    Unpooled.copiedBuffer("data: second\n\n", StandardCharsets.UTF_8)));
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener(ChannelFutureListener.CLOSE);
        }, gapMillis, TimeUnit.MILLISECONDS);
    }

    private static String headersJson(HttpRequest request) {
        Map<String, String> joined = new LinkedHashMap<>();
        request.headers().forEach(h -> joined.merge(h.getKey(), h.getValue(), (a, b) -> a + ", " + b));
        StringBuilder json = new StringBuilder("{");
        joined.forEach((name, value) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('\n').append("  ").append(quote(name)).append(": ").append(quote(value));
        });
        return json.append("\n}\n").toString();
    }

    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
            out.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException("Compressing a constant in memory cannot fail, but it did.", e);
        }
        return compressed.toByteArray();
    }

    /**
     * {@link BytePattern} as HTTP content, one chunk per read, so {@link io.netty.handler.stream.ChunkedWriteHandler}
     * pulls the next chunk only when the socket has room.
     */
    private static final class PatternBody implements ChunkedInput<HttpContent> {

        private final long length;
        private final MessageDigest digest;
        private long offset;
        private boolean lastSent;

        PatternBody(long length, boolean withChecksum) {
            this.length = length;
            this.digest = withChecksum ? BytePattern.sha256() : null;
        }

        @Override
        public boolean isEndOfInput() {
            return lastSent;
        }

        @Override
        public HttpContent readChunk(ByteBufAllocator allocator) {
            if (lastSent) {
                return null;
            }
            if (offset == length) {
                lastSent = true;
                LastHttpContent last = new DefaultLastHttpContent();
                if (digest != null) {
                    last.trailingHeaders().set("X-Checksum", HexFormat.of().formatHex(digest.digest()));
                }
                return last;
            }
            int size = (int) Math.min(CHUNK, length - offset);
            ByteBuf chunk = allocator.buffer(size);
            BytePattern.write(chunk, offset, size);
            if (digest != null) {
                digest.update(chunk.nioBuffer());
            }
            offset += size;
            return new DefaultHttpContent(chunk);
        }

        @Override
        @Deprecated
        public HttpContent readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public void close() {
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return offset;
        }
    }
}
