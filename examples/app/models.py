from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    email: str = Field(index=True)
    full_name: str | None = None


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str


class UserCreate(UserBase):
    password: str


class UserPublic(UserBase):
    id: int


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    price: float
    owner_id: int | None = Field(default=None, foreign_key="user.id")
