# The proxy of deploy/compose.yaml: Debian's nginx package (the same as scripts/serve_class.sh uses).
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends nginx=1.22.* \
    && rm -rf /var/lib/apt/lists/*
# nginx creates its temp directories but not their parent
RUN mkdir -p /tmp/nginx-landscapes
COPY nginx.conf /etc/landscapes/nginx.conf
EXPOSE 8501
CMD ["nginx", "-c", "/etc/landscapes/nginx.conf"]
