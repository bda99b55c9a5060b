from setuptools import find_packages, setup


def requirements():
    with open("requirements.txt") as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


setup(
    name="tfhf",
    version="0.1.0",
    description="A Keras/TensorFlow training framework for Hugging Face models, driven by recipe files.",
    python_requires=">=3.11",
    packages=find_packages(include=["tfhf", "tfhf.*"]),
    package_data={"tfhf": ["samples/*.jsonl", "samples/*/*.jsonl", "samples/*/*.jsonl.gz"]},
    install_requires=requirements(),
    extras_require={"test": ["pytest>=8", "pytest-xdist>=3.6", "pytest-timeout>=2.3", "nbclient>=0.10", "nbformat>=5.10", "ipykernel>=6.29"]},
    entry_points={"console_scripts": ["tfhf=tfhf.cli:main"]},
)
