# The gateway image, built from the repository root: docker build -f deploy/gateway.Dockerfile .
# Runs the web process by default; `gateway-manage worker` and `gateway-manage migrate` from the same image.
FROM node:20-slim AS web-assets
WORKDIR /build
COPY gateway/package.json gateway/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data WEB_ASSETS_DIR=/app/web-assets
WORKDIR /app
COPY constraints.txt ./
COPY libs/servicekit ./libs/servicekit
COPY gateway ./gateway
COPY --from=web-assets /build/node_modules ./web-assets
RUN pip install --no-cache-dir -c constraints.txt ./libs/servicekit ./gateway \
    && useradd --system --uid 10001 --home /app servicedesk \
    && mkdir -p /data && chown servicedesk /data

USER servicedesk
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["gunicorn", "gateway.wsgi:app", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", \
     "--threads", "16", "--no-control-socket", "--timeout", "60", "--graceful-timeout", "20", "--access-logfile", "-"]
