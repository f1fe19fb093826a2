# The playground as a container: docker build -t landscapes . && docker run -p 8501:8501 landscapes
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    NUMBA_CACHE_DIR=/app/.numba_cache

WORKDIR /app
RUN useradd --create-home --uid 10001 app

# DejaVu: the exported frames' text (θ, γ, subscripts); without it Pillow falls back to ASCII.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core=2.37-* \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py cli.py ./
COPY landscapes ./landscapes
COPY optimizers ./optimizers
COPY viz ./viz
COPY networks ./networks
COPY ui ./ui
COPY tools ./tools
# static/ holds plotly.js's basic bundle for the playground's charts; .streamlit/config.toml serves it
COPY static ./static
COPY .streamlit ./.streamlit

# Compile the Numba kernels into the image's cache, owned by the user that runs the app
# (a read-only cache is ignored by Numba).
RUN python -m tools.warm && chown -R app:app /app/.numba_cache

USER 10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
CMD ["streamlit", "run", "app.py", "--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501", "--browser.gatherUsageStats=false"]
