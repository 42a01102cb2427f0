# One image per service, built from the repository root:
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=cases --build-arg SERVICE_DIR=services/cases .
# The same image runs the web process (default command), the worker (`<service>-manage worker`)
# and the migrations (`<service>-manage migrate`).
FROM python:3.11-slim

ARG SERVICE
ARG SERVICE_DIR
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SERVICE=${SERVICE} DATA_DIR=/data

WORKDIR /app
COPY constraints.txt ./
COPY libs/servicekit ./libs/servicekit
COPY ${SERVICE_DIR} ./${SERVICE_DIR}
RUN pip install --no-cache-dir -c constraints.txt ./libs/servicekit ./${SERVICE_DIR} \
    && useradd --system --uid 10001 --home /app servicedesk \
    && mkdir -p /data && chown servicedesk /data

USER servicedesk
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
    CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["sh", "-c", "exec gunicorn ${SERVICE}.wsgi:app --bind 0.0.0.0:8000 --worker-class gthread --workers 2 --threads 8 --no-control-socket --timeout 60 --graceful-timeout 20 --access-logfile -"]
