"The classic nbdev-2 setup.py, driven by settings.ini (no pkg_resources, so it builds with current setuptools)."
from configparser import ConfigParser
import re
import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

expected = ('version description keywords author author_email license user min_python '
            'lib_name repo audience language status copyright').split()
missing = [o for o in expected if o not in cfg]
if missing: raise SystemExit(f'settings.ini is missing: {missing}')

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
            'mit': ('MIT License', 'OSI Approved :: MIT License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
def _key(v): return tuple(int(o) for o in v.split('.'))
requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
console_scripts = [o.strip() for o in cfg.get('console_scripts', '').split() if o.strip()]

long_description = open('README.md', encoding='utf-8').read()
# Make relative image links absolute so they show on PyPI.
long_description = re.sub(r'(!\[.*?\]\()(?!http)(.*?\))',
                          rf"\1https://raw.githubusercontent.com/{cfg['user']}/{cfg['lib_name']}/{cfg.get('branch', 'main')}/\2",
                          long_description)

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=[f"Development Status :: {statuses[int(cfg['status'])]}",
                 f"Intended Audience :: {cfg['audience'].title()}",
                 f"Natural Language :: {cfg['language'].title()}"]
               + [f'Programming Language :: Python :: {v}' for v in py_versions if _key(v) >= _key(min_python)]
               ,
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[cfg['lib_name'], f"{cfg['lib_name']}.*"]),
    include_package_data=True,
    package_data={cfg['lib_name']: ['pretrained/*/*']},  # the shipped trained model (safetensors + JSON)
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + min_python,
    long_description=long_description,
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{cfg.get('lib_path')}={cfg.get('lib_path')}._modidx:d"]},
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
)
